"""The paper as rule outputs: a ``numbers.tex`` of macros, tables, figures and the PDF build.

``paper/main.tex`` is hand-written and inputs only generated files under
``paper/generated/``::

    generated/numbers.tex                      \\newcommand macros (this module)
    generated/tables/{results,funnel,pairwise}.tex
    generated/figures/{outcomes,fixed,loss}.{pdf,png}

:func:`write_paper_inputs` writes all of them in one call; :func:`build_pdf` runs latexmk.
Macro names contain letters only (TeX control words cannot contain digits or ``_``); model
names map to them deterministically with :func:`macro_name` (``fim_psm`` -> ``FimPsm``,
``ir4xor2`` -> ``IrFourXorTwo``), and a collision is an error, never a silent overwrite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fimrepair import analysis
from fimrepair.analysis import latex_escape
from fimrepair.config import AnalysisSpec

_DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
_MACRO_RE = re.compile(r"^[A-Za-z]+$")

MODEL_METRICS: dict[str, str] = {
    "Plausible": "plausible",
    "Exact": "exact",
    "Ast": "ast",
    "Compilable": "compilable",
    "Candidates": "candidates",
    "DistinctCandidates": "distinct_candidates",
}
"""Count macros per model: ``\\<Prefix><Model>`` -> summary column."""

MODEL_PERCENTS: dict[str, str] = {
    "PlausibleRate": "plausible_rate",
    "ExactRate": "exact_rate",
    "AstRate": "ast_rate",
    "CompilableRate": "compilable_rate",
    "PlausibleLow": "plausible_lo",
    "PlausibleHigh": "plausible_hi",
}
"""Percentage macros per model (one decimal, no ``\\%`` sign): prefix -> summary column."""


class PaperError(ValueError):
    """Bad input for the paper's generated files (e.g. an invalid or duplicate macro)."""


def macro_name(name: str) -> str:
    """A letters-only CamelCase macro name for ``name``.

    Splits on anything that is not a letter or digit, capitalises each part, and spells
    digits out as capitalised words: ``fim_psm`` -> ``FimPsm``, ``fim-spm0.5`` ->
    ``FimSpmZeroFive``, ``ir4xor2`` -> ``IrFourXorTwo``.
    """
    out = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        for token in re.findall(r"[A-Za-z]+|[0-9]", part):
            out.append(_DIGITS[int(token)] if token.isdigit() else token[0].upper() + token[1:])
    result = "".join(out)
    if not result:
        raise PaperError(f"cannot make a macro name from {name!r}")
    return result


def format_value(value: str | int | float) -> str:
    """A macro body: strings LaTeX-escaped, ints with ``{,}`` thousands separators, floats
    with up to four significant digits."""
    if isinstance(value, bool):
        raise PaperError(f"boolean macro value {value!r}: pass a string")
    if isinstance(value, int):
        return analysis.fmt_int(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return latex_escape(value)
    raise PaperError(f"macro value {value!r} has unsupported type {type(value).__name__}")


def _pct(x: float) -> str:
    return f"{100 * float(x):.1f}"


def best_model(summary: pd.DataFrame) -> str | None:
    """The real model with the most plausible bugs (ties: most exact, then name)."""
    real = summary[~summary["reference"].astype(bool)]
    if real.empty:
        return None
    ranked = real.sort_values(["plausible", "exact", "model"], ascending=[False, False, True])
    return str(ranked.iloc[0]["model"])


NOT_AVAILABLE = "n/a"
"""Body of a macro that ``main.tex`` needs but this run cannot fill (e.g. a single model)."""

DEFAULT_CONTRAST: tuple[str, str] = ("fim", "nofim")
"""The headline comparison when both models are present: FIM-aligned vs plain fine-tuning."""


def _contrast_pair(pairs: pd.DataFrame, contrast: tuple[str, str] | None) -> tuple[str, str]:
    """The headline pair: ``contrast``, else :data:`DEFAULT_CONTRAST` when both are tested, else
    the first pair of ``pairs``."""
    if contrast is not None:
        return contrast
    tested = set(pairs["model_a"]) | set(pairs["model_b"])
    if set(DEFAULT_CONTRAST) <= tested:
        return DEFAULT_CONTRAST
    return str(pairs.iloc[0]["model_a"]), str(pairs.iloc[0]["model_b"])


def _contrast_macros(pairs: pd.DataFrame | None, contrast: tuple[str, str] | None) -> dict[str, str]:
    """``Contrast*`` macros for one pair (``contrast``, else :data:`DEFAULT_CONTRAST` when
    both are tested, else the first pair); ``n/a`` bodies when there is no pair."""
    names = ("ContrastA", "ContrastB", "ContrastOnlyA", "ContrastOnlyB", "ContrastBoth", "ContrastPValue")
    if pairs is None or not len(pairs):
        if contrast is not None:
            raise PaperError(f"contrast {contrast} given but there are no pairwise tests")
        return {name: NOT_AVAILABLE for name in names} | {"NPairs": "0"}
    a, b = _contrast_pair(pairs, contrast)
    hit = pairs[
        ((pairs["model_a"] == a) & (pairs["model_b"] == b)) | ((pairs["model_a"] == b) & (pairs["model_b"] == a))
    ]
    if hit.empty:
        raise PaperError(f"contrast {a!r} vs {b!r} is not among the pairwise tests")
    p = hit.iloc[0]
    only_a, only_b = (p["only_a"], p["only_b"]) if p["model_a"] == a else (p["only_b"], p["only_a"])
    bodies = (
        latex_escape(a),
        latex_escape(b),
        analysis.fmt_int(int(only_a)),
        analysis.fmt_int(int(only_b)),
        analysis.fmt_int(int(p["both"])),
        analysis.fmt_p(float(p["p_value"])),
    )
    return dict(zip(names, bodies, strict=True)) | {"NPairs": str(len(pairs))}


def _uncertainty_macros(
    unc: Mapping[str, Any], pairs: pd.DataFrame | None, contrast: tuple[str, str] | None
) -> dict[str, str]:
    """``Alpha``, ``NSeeds`` (most seeds of any model) and the headline pair's difference in bugs
    fixed with its bootstrap interval and minimum detectable difference (``n/a`` without them)."""
    names = (
        "ContrastModelA",
        "ContrastModelB",
        "ContrastDiff",
        "ContrastDiffLow",
        "ContrastDiffHigh",
        "ContrastMDD",
        "ContrastResolution",
    )
    out = {name: NOT_AVAILABLE for name in names}
    out["Alpha"] = f"{float(unc['alpha']):g}" if "alpha" in unc else NOT_AVAILABLE
    seeds = unc.get("seeds")
    out["NSeeds"] = str(int(seeds["seeds"].max())) if seeds is not None and len(seeds) else "1"
    effects = unc.get("effects")
    if effects is None or not len(effects) or pairs is None or not len(pairs):
        return out
    a, b = unc.get("contrast") or _contrast_pair(pairs, contrast)  # models (not runs) with seeds
    hit = effects[(effects["model_a"] == a) & (effects["model_b"] == b)]
    sign = 1.0
    if hit.empty:
        hit, sign = effects[(effects["model_a"] == b) & (effects["model_b"] == a)], -1.0
    if hit.empty:
        return out
    r = hit.iloc[0]
    lo, hi = sorted((sign * float(r["diff_lo"]), sign * float(r["diff_hi"])))
    out |= {
        "ContrastModelA": latex_escape(a),
        "ContrastModelB": latex_escape(b),
        "ContrastDiff": f"{sign * float(r['diff']):+.1f}",
        "ContrastDiffLow": f"{lo:+.1f}",
        "ContrastDiffHigh": f"{hi:+.1f}",
        "ContrastMDD": f"{float(r['mdd']):.1f}" if np.isfinite(r["mdd"]) else r"$\infty$",
        "ContrastResolution": (
            f"the exact McNemar test would need a difference of about {float(r['mdd']):.1f} bugs to find one "
            r"with 80\% power"
            if np.isfinite(r["mdd"])
            else f"with {float(r['discordant']):g} discordant bugs the exact McNemar test cannot detect any "
            r"difference with 80\% power"
        ),
    }
    return out


def number_macros(
    summary: pd.DataFrame,
    extra: Mapping[str, str | int | float],
    pairs: pd.DataFrame | None = None,
    contrast: tuple[str, str] | None = None,
    raw: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Macro name -> LaTeX body, in a deterministic order (see :func:`numbers_tex`); ``raw``
    adds macros whose bodies are LaTeX already (not escaped)."""
    macros: dict[str, str] = {}

    def add(name: str, body: str, source: str) -> None:
        if not _MACRO_RE.match(name):
            raise PaperError(f"invalid macro name {name!r} (from {source}): letters only")
        if name in macros:
            raise PaperError(f"macro \\{name} defined twice (second from {source})")
        macros[name] = body

    models = list(summary["model"])
    names = {m: macro_name(m) for m in models}
    clash = [m for m in models if list(names.values()).count(names[m]) > 1]
    if clash:
        raise PaperError(f"models {clash} map to the same macro name {names[clash[0]]!r}")
    bugs = summary["bugs"].unique()
    if len(bugs) > 1:
        raise PaperError(f"summary mixes benchmark sizes {sorted(bugs)}")
    if len(bugs):
        add("NBugs", analysis.fmt_int(int(bugs[0])), "summary")
    if "benchmark" in summary and len(summary):
        add("BenchmarkName", latex_escape(summary["benchmark"].iloc[0]), "summary")
    real = summary[~summary["reference"].astype(bool)]
    add("NModels", str(len(real)), "summary")
    for _, r in summary.iterrows():
        m = names[r["model"]]
        add(f"Model{m}", latex_escape(r["model"]), f"model {r['model']!r}")
        for prefix, col in MODEL_METRICS.items():
            add(f"{prefix}{m}", analysis.fmt_int(int(r[col])), f"model {r['model']!r}")
        for prefix, col in MODEL_PERCENTS.items():
            add(f"{prefix}{m}", _pct(r[col]), f"model {r['model']!r}")
    best = best_model(summary)
    if best is not None:
        r = summary.set_index("model").loc[best]
        add("BestModel", latex_escape(best), "best model")
        add("PlausibleBest", analysis.fmt_int(int(r["plausible"])), "best model")
        add("PlausibleRateBest", _pct(r["plausible_rate"]), "best model")
        add("ExactBest", analysis.fmt_int(int(r["exact"])), "best model")
    else:  # defined anyway so that main.tex builds; the text then reads "n/a"
        for name in ("BestModel", "PlausibleBest", "PlausibleRateBest", "ExactBest"):
            add(name, NOT_AVAILABLE, "best model")
    for name, body in _contrast_macros(pairs, contrast).items():
        add(name, body, "contrast")
    for key, value in extra.items():
        add(key, format_value(value), "extra")
    for key, body in (raw or {}).items():
        add(key, body, "uncertainty")
    return macros


def numbers_tex(
    summary: pd.DataFrame,
    extra: Mapping[str, str | int | float],
    pairs: pd.DataFrame | None = None,
    contrast: tuple[str, str] | None = None,
    raw: Mapping[str, str] | None = None,
) -> str:
    """The text of ``numbers.tex``: one ``\\newcommand`` per number the paper quotes.

    Per model ``M`` (letters-only name from :func:`macro_name`): ``\\ModelM`` (display
    name), counts ``\\PlausibleM \\ExactM \\AstM \\CompilableM \\CandidatesM
    \\DistinctCandidatesM`` and percentages without the sign ``\\PlausibleRateM
    \\ExactRateM \\AstRateM \\CompilableRateM \\PlausibleLowM \\PlausibleHighM``. Globals:
    ``\\NBugs \\BenchmarkName \\NModels \\BestModel \\PlausibleBest \\PlausibleRateBest
    \\ExactBest``; the headline comparison ``contrast`` (default: ``fim`` vs ``nofim`` when
    both are in ``pairs``, else the first pair) as ``\\ContrastA \\ContrastB
    \\ContrastOnlyA \\ContrastOnlyB \\ContrastBoth \\ContrastPValue`` and ``\\NPairs``.
    Macros that ``main.tex`` uses are always defined, as ``n/a`` when this run cannot fill
    them (no real model, fewer than two models). ``extra`` adds macros by name (letters
    only; the paper needs at least ``ConfigName``); string values are LaTeX-escaped.
    """
    macros = number_macros(summary, extra, pairs, contrast, raw)
    lines = ["% Generated by fimrepair.paper.numbers_tex; do not edit."]
    lines += [rf"\newcommand{{\{name}}}{{{body}}}" for name, body in macros.items()]
    return "\n".join(lines) + "\n"


def write_paper_inputs(
    out_dir: str | Path,
    summary: pd.DataFrame,
    pairs: pd.DataFrame,
    funnel: pd.DataFrame | Iterable[Mapping[str, Any]],
    loss_rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    verdicts: pd.DataFrame,
    extra: Mapping[str, str | int | float],
    reference: tuple[str, float] | None = None,
    contrast: tuple[str, str] | None = None,
    recipe_counts: Sequence[Mapping[str, Any]] = (),
    reproduction: Mapping[str, Any] | None = None,
    skipped: Mapping[str, str] | None = None,
    uncertainty: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write every generated input of ``paper/main.tex`` under ``out_dir``
    (``paper/generated``) and return them by name.

    ``extra`` must define ``ConfigName`` (the paper states which configuration produced
    it). ``reference`` is the optional published line of :func:`analysis.fig_fixed`;
    ``contrast`` the headline pair of :func:`numbers_tex`. ``recipe_counts`` are the recipes'
    ``counts.json``; ``reproduction`` has the keys of :func:`analysis.table_reproduction`
    (``model``, ``label``, ``plausible``, ``exact``, ``published_bugs``); ``skipped`` maps a planned but
    unevaluated model to the reason. ``uncertainty`` holds the frames of
    :func:`fimrepair.stages.analysis.uncertainty` (``at_k``, ``effects``, ``seeds``), ``alpha`` and, when
    ``contrast`` names runs of several seeds, ``contrast``: the same pair as models; they
    fill ``tables/{at_k,effects}.tex`` and the ``Contrast{ModelA,ModelB,Diff,DiffLow,DiffHigh,MDD,Resolution}``,
    ``Alpha`` and ``NSeeds`` macros (``n/a`` and placeholder tables without them).
    """
    if "ConfigName" not in extra:
        raise PaperError("extra must define ConfigName: the paper states its configuration")
    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    def text(name: str, rel: str, body: str) -> None:
        path = out / rel
        path.write_text(body, encoding="utf-8")
        written[name] = path

    unc = dict(uncertainty or {})
    text(
        "numbers",
        "numbers.tex",
        numbers_tex(summary, extra, pairs, contrast, _uncertainty_macros(unc, pairs, contrast)),
    )
    if "at_k" in unc:
        text("table_at_k", "tables/at_k.tex", analysis.table_at_k(unc["at_k"]))
        text(
            "table_effects",
            "tables/effects.tex",
            analysis.table_effects(unc["effects"], pairs, unc["seeds"], float(unc["alpha"])),
        )
    else:
        text("table_at_k", "tables/at_k.tex", "(plausible@k was not computed.)\n")
        text("table_effects", "tables/effects.tex", "(Paired differences were not computed.)\n")
    text("table_results", "tables/results.tex", analysis.table_results(summary))
    text("table_funnel", "tables/funnel.tex", analysis.table_funnel(funnel))
    text("table_pairwise", "tables/pairwise.tex", analysis.table_pairwise(pairs))
    text("table_recipes", "tables/recipes.tex", analysis.table_recipes(recipe_counts))
    repro = dict(
        reproduction
        or {
            "model": None,
            "label": "published",
            "plausible": None,
            "exact": None,
            "published_bugs": AnalysisSpec().reference_bugs,
        }
    )
    text("table_reproduction", "tables/reproduction.tex", analysis.table_reproduction(summary, **repro))
    text("skipped", "skipped.tex", analysis.text_skipped(skipped or {}))
    for name, paths in (
        ("outcomes", analysis.fig_outcomes(verdicts, out / "figures" / "outcomes.pdf")),
        ("fixed", analysis.fig_fixed(summary, out / "figures" / "fixed.pdf", reference)),
        ("loss", analysis.fig_loss(loss_rows, out / "figures" / "loss.pdf")),
    ):
        written[f"fig_{name}_pdf"], written[f"fig_{name}_png"] = paths
    return written


LATEXMK_ARGS: tuple[str, ...] = ("-pdf", "-interaction=nonstopmode", "-halt-on-error")

OVERFULL_LIMIT_PT = 3.0
"""The widest overfull box (in points) a paper build accepts: a table or line that runs into the
margin by more fails the build (:func:`overfull_boxes`)."""

_OVERFULL_RE = re.compile(r"^Overfull \\hbox \(([0-9.]+)pt too wide\)(.*)$", re.MULTILINE)


def overfull_boxes(log_text: str, limit_pt: float = OVERFULL_LIMIT_PT) -> list[str]:
    """The overfull-hbox warnings of a TeX log wider than ``limit_pt`` points, as
    TeX wrote them (``Overfull \\hbox (44.2pt too wide) in paragraph at lines 3--9``)."""
    return [m.group(0).strip() for m in _OVERFULL_RE.finditer(log_text) if float(m.group(1)) > limit_pt]


def build_pdf(
    tex_dir: str | Path,
    log_path: str | Path,
    out_dir: str | Path | None = None,
    main: str = "main.tex",
    timeout_s: float = 600,
    source_date_epoch: str = "0",
) -> bool:
    """Build ``tex_dir/main`` with latexmk; the PDF lands in ``out_dir`` (default ``tex_dir``).

    Returns ``False`` after writing a clear message to ``log_path`` when ``latexmk`` is not
    on PATH (the caller then writes a placeholder note instead of a PDF). A LaTeX error
    raises :class:`RuntimeError` naming the log, which holds latexmk's full output; so does an
    overfull box wider than :data:`OVERFULL_LIMIT_PT` in TeX's log (:func:`overfull_boxes`).
    ``SOURCE_DATE_EPOCH`` (unless already set) and ``FORCE_SOURCE_DATE=1`` make the PDF's
    dates, and so its bytes, reproducible.
    """
    log = Path(log_path)
    log.parent.mkdir(parents=True, exist_ok=True)
    latexmk = shutil.which("latexmk")
    if latexmk is None:
        log.write_text(
            "latexmk not found on PATH: TeX is not installed, so no PDF was built.\n"
            "Install TeX Live (latexmk, pdflatex, booktabs) to build the paper.\n",
            encoding="utf-8",
        )
        return False
    tex = Path(tex_dir).resolve()
    outd = Path(out_dir).resolve() if out_dir is not None else tex
    outd.mkdir(parents=True, exist_ok=True)
    cmd = [latexmk, *LATEXMK_ARGS, f"-outdir={outd}", main]
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", source_date_epoch)
    env["FORCE_SOURCE_DATE"] = "1"
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=tex, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    elapsed = time.monotonic() - start
    log.write_text(
        f"$ (cd {tex} && {' '.join(cmd)})\n# exit {proc.returncode} after "
        f"{elapsed:.1f} s\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n"
        f"{proc.stderr}",
        encoding="utf-8",
    )
    pdf = outd / (Path(main).stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"latexmk failed on {tex / main} (exit {proc.returncode}); see {log}")
    tex_log = outd / (Path(main).stem + ".log")
    wide = overfull_boxes(tex_log.read_text(encoding="latin-1")) if tex_log.is_file() else []
    if wide:
        raise RuntimeError(
            f"{tex / main}: {len(wide)} overfull box(es) wider than {OVERFULL_LIMIT_PT} pt (a table or line runs "
            f"into the margin; see {tex_log}): " + "; ".join(wide)
        )
    return True


def copy_sources(
    src_dir: str | Path, dst_dir: str | Path, names: Sequence[str] = ("main.tex", "refs.bib")
) -> list[Path]:
    """Copy the hand-written paper sources next to generated inputs (for builds elsewhere)."""
    dst = Path(dst_dir)
    dst.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(Path(src_dir) / n, dst / n)) for n in names]
