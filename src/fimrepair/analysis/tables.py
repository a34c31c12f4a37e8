"""LaTeX fragments for the paper: booktabs tabulars (wrapped in table/caption by main.tex)
and the short generated texts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from fimrepair.analysis.statistics import funnel_frame

# ---------------------------------------------------------------------------------------
# Tables (LaTeX fragments: a booktabs tabular, wrapped in table/caption by main.tex)
# ---------------------------------------------------------------------------------------

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: object) -> str:
    """``text`` with LaTeX special characters escaped (``fim_psm`` -> ``fim\\_psm``)."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in str(text))


def fmt_int(n: int) -> str:
    """An integer with LaTeX thousands separators: ``72393`` -> ``72{,}393``."""
    return f"{int(n):,}".replace(",", "{,}")


def fmt_p(p: float) -> str:
    """A p-value for a table: three significant digits, ``<0.001`` below that."""
    if p < 0.001:
        return "$<$0.001"
    return f"{p:.3g}" if p < 1 else "1"


def _tabular(
    spec: str,
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    groups: Sequence[int] = (),
    note: str | None = None,
    full_width: bool = False,
) -> str:
    """A booktabs tabular; ``groups`` are body row indices preceded by ``\\midrule``. With
    ``full_width`` a ``tabularx`` of the text width, whose ``X`` columns wrap their text."""
    env = "tabularx" if full_width else "tabular"
    begin = rf"\begin{{tabularx}}{{\linewidth}}{{{spec}}}" if full_width else rf"\begin{{tabular}}{{{spec}}}"
    lines = [begin, r"\toprule", " & ".join(header) + r" \\", r"\midrule"]
    for i, row in enumerate(body):
        if i in groups:
            lines.append(r"\midrule")
        lines.append(" & ".join(row) + r" \\")
    lines.append(r"\bottomrule")
    lines.append(rf"\end{{{env}}}")
    if note:  # below the tabular, wrapped at the text width (a multicolumn cell would widen the table)
        lines.append(rf"\par\smallskip{{\footnotesize\raggedright {note}\par}}")
    return "\n".join(lines) + "\n"


def table_results(summary: pd.DataFrame) -> str:
    """Results table: one row per model, reference models last and marked as sanity checks.

    Counts are bugs out of ``bugs``; the best real model's plausible count is bold.
    """
    real = summary[~summary["reference"].astype(bool)]
    refs = summary[summary["reference"].astype(bool)]
    best = int(real["plausible"].max()) if len(real) else None
    body = []
    for _, r in pd.concat([real, refs]).iterrows():
        name = latex_escape(r["model"]) + (r"$^\dagger$" if r["reference"] else "")
        plaus = fmt_int(r["plausible"])
        if not r["reference"] and r["plausible"] == best:
            plaus = rf"\textbf{{{plaus}}}"
        body.append(
            [
                name,
                f"{plaus} ({100 * r['plausible_rate']:.1f}\\%)",
                f"{100 * r['plausible_lo']:.1f}--{100 * r['plausible_hi']:.1f}",
                fmt_int(r["exact"]),
                fmt_int(r["ast"]),
                fmt_int(r["compilable"]),
                f"{fmt_int(r['candidates'])} ({fmt_int(r['distinct_candidates'])})",
            ]
        )
    header = ["Model", "Plausible", r"95\% CI (\%)", "Exact", "AST", "Compilable", "Candidates (distinct)"]
    note = (
        r"$^\dagger$ sanity checks of the validator: the developer fix must be 100\% "
        r"and the unchanged bug 0\% plausible."
        if len(refs)
        else None
    )
    return _tabular("lrrrrrr", header, body, groups=[len(real)] if len(real) and len(refs) else [], note=note)


def table_funnel(funnel: pd.DataFrame | Iterable[Mapping[str, Any]]) -> str:
    """Data funnel table: rows in and out of every preparation step, with the reason. The
    recipes' eval-split funnels (``<recipe> (eval)``) stay in the TSV files, not in the paper."""
    df = funnel_frame(funnel)
    df = df[~df["dataset"].astype(str).str.endswith("(eval)")]
    body, groups, last = [], [], None
    for i, (_, r) in enumerate(df.iterrows()):
        if last is not None and r["dataset"] != last:
            groups.append(i)
        body.append(
            [
                latex_escape(r["dataset"]) if r["dataset"] != last else "",
                latex_escape(r["step"]),
                fmt_int(r["rows_in"]),
                fmt_int(r["rows_out"]),
                fmt_int(r["rows_in"] - r["rows_out"]),
                latex_escape(r["reason"]),
            ]
        )
        last = r["dataset"]
    if not body:
        body = [[r"\multicolumn{6}{c}{no data preparation in this configuration}"]]
    header = ["Dataset", "Step", "In", "Out", "Dropped", "Reason"]
    return _tabular(r"llrrr>{\raggedright\arraybackslash}X", header, body, groups, full_width=True)


def table_pairwise(pairs: pd.DataFrame) -> str:
    """Pairwise McNemar table: per-bug plausible outcomes of each pair of models."""
    body = [
        [
            latex_escape(r["model_a"]),
            latex_escape(r["model_b"]),
            fmt_int(r["both"]),
            fmt_int(r["only_a"]),
            fmt_int(r["only_b"]),
            fmt_int(r["neither"]),
            fmt_p(r["p_value"]),
            fmt_p(r["p_holm"]),
        ]
        for _, r in pairs.iterrows()
    ]
    if not body:
        body = [[r"\multicolumn{8}{c}{fewer than two models to compare}"]]
    return _tabular("llrrrrrr", ["A", "B", "Both", "Only A", "Only B", "Neither", "$p$", r"$p_\mathrm{Holm}$"], body)


def table_recipes(counts: Sequence[Mapping[str, Any]]) -> str:
    """Training set of each recipe (``counts.json``): rows, optimiser steps, and loss-bearing
    tokens of one epoch, all of them and those that write the fix, with the rows per layout.
    Every recipe trains on the same rows (``fimrepair.training_pairs``)."""
    body = []
    for c in counts:
        modes = c.get("by_mode", {})
        layout = ", ".join(f"{latex_escape(m)} {fmt_int(v['rows'])}" for m, v in sorted(modes.items())) or "--"
        fix = fmt_int(c["fix_tokens"]) if "fix_tokens" in c else "--"
        body.append(
            [
                latex_escape(c["recipe"]),
                fmt_int(c["train"]),
                fmt_int(c["optimizer_steps"]),
                fmt_int(c["loss_tokens"]),
                fix,
                layout,
            ]
        )
    if not body:
        body = [[r"\multicolumn{6}{c}{no fine-tuned recipe in this configuration}"]]
    header = ["Recipe", "Rows", "Steps", "Loss tokens", "Fix tokens", "Rows per layout"]
    return _tabular("lrrrrl", header, body)


def table_reproduction(
    summary: pd.DataFrame,
    model: str | Sequence[str] | None,
    label: str,
    plausible: int | None,
    exact: int | None,
    published_bugs: int,
) -> str:
    """The reproduction arm beside the published system it reproduces (same benchmark only);
    ``model`` may list several runs (one per training seed), each a row."""
    rows = summary.set_index("model")
    runs = [model] if isinstance(model, str) or model is None else list(model)
    body = [
        [
            latex_escape(label) + " (published)",
            "--" if plausible is None else fmt_int(plausible),
            "--" if exact is None else fmt_int(exact),
            fmt_int(published_bugs),
        ]
    ]
    note = None
    present = [m for m in runs if m is not None and m in rows.index]
    for m in present:
        r = rows.loc[m]
        body.append(
            [latex_escape(m) + " (this pipeline)", fmt_int(r["plausible"]), fmt_int(r["exact"]), fmt_int(r["bugs"])]
        )
        if int(r["bugs"]) != published_bugs:
            note = f"Not comparable: this configuration evaluates {int(r['bugs'])} bugs, the published result {published_bugs}."
    if not present:
        note = "The reproduction arm is not evaluated in this configuration."
    return _tabular("lrrr", ["System", "Plausible", "Exact", "Bugs"], body, note=note)


def text_skipped(reasons: Mapping[str, str]) -> str:
    """A sentence per planned model that this configuration does not evaluate (empty if none)."""
    if not reasons:
        return "% every configured model was evaluated\n"
    items = "; ".join(rf"\texttt{{{latex_escape(m)}}}: {latex_escape(r)}" for m, r in sorted(reasons.items()))
    return rf"\paragraph{{Models not evaluated here.}} {items}." + "\n"


# ---------------------------------------------------------------------------------------
# Several benchmarks; published patch sets
# ---------------------------------------------------------------------------------------


def java_level_text(level: int | None) -> str:
    """How the paper states a Java level: ``8`` (``javac --release 8``) or the JDK's own."""
    return f"{level}" if level is not None else "the installed JDK's own"


def table_benchmark(summary: pd.DataFrame) -> str:
    """One benchmark's results: per model (published sets and reference models included) bugs
    with a plausible, exact and compilable candidate, out of the benchmark's bugs."""
    body = []
    for _, r in summary.iterrows():
        name = latex_escape(r["model"]) + (r"$^\dagger$" if r["reference"] else "")
        body.append(
            [
                name,
                f"{fmt_int(r['plausible'])} ({100 * r['plausible_rate']:.1f}\\%)",
                fmt_int(r["exact"]),
                fmt_int(r["compilable"]),
                f"{fmt_int(r['candidates'])} ({fmt_int(r['distinct_candidates'])})",
            ]
        )
    if not body:
        body = [[r"\multicolumn{5}{c}{no verdicts}"]]
    return _tabular("lrrrr", ["Model", "Plausible", "Exact", "Compilable", "Candidates (distinct)"], body)


def text_benchmarks(entries: Sequence[Mapping[str, Any]]) -> str:
    """The per-benchmark section of the paper: for each benchmark (``name``, ``bugs``,
    ``java_level``, ``table``: path of its results table, ``figure``: path of its figure,
    both relative to the paper's folder) a subsection with its table and figure."""
    out = ["% Generated by fimrepair.analysis.text_benchmarks; do not edit."]
    for e in entries:
        label = "".join(ch for ch in str(e["name"]) if ch.isalnum())
        out += [
            rf"\subsection*{{{latex_escape(e['name'])} ({fmt_int(e['bugs'])} bugs, Java level {latex_escape(java_level_text(e['java_level']))})}}",
            r"\begin{table}[h]",
            r"  \centering\small",
            rf"  \caption{{Bugs fixed on {latex_escape(e['name'])} ({fmt_int(e['bugs'])} bugs; candidates compiled at Java level "
            rf"{latex_escape(java_level_text(e['java_level']))}). $^\dagger$ sanity checks.}}",
            rf"  \label{{tab:bench{label}}}",
            rf"  \input{{{e['table']}}}",
            r"\end{table}",
            r"\begin{figure}[h]",
            r"  \centering",
            rf"  \includegraphics[width=0.8\linewidth]{{{e['figure']}}}",
            rf"  \caption{{Bugs with a plausible, an exact and a compilable candidate on {latex_escape(e['name'])}.}}",
            rf"  \label{{fig:bench{label}}}",
            r"\end{figure}",
        ]
    return "\n".join(out) + "\n"


PUBLISHED_COLUMNS: tuple[str, ...] = (
    "system",
    "label",
    "benchmark",
    "java_level",
    "claimed_plausible",
    "claimed_exact",
    "claimed_compilable",
    "claimed_candidates",
    "plausible",
    "exact",
    "compilable",
    "plausible_jdk",
    "candidates",
    "agree",
    "compile_agree",
    "level_changed",
    "unstable",
)


def table_published(rows: Sequence[Mapping[str, Any]]) -> str:
    """Published patch sets: per system the counts its authors' file claims, the counts under
    this pipeline's harness (at the benchmark's Java level, and plausible at the JDK's own), the
    per-candidate agreement of pass/fail verdicts, and the disagreements by class."""
    from fimrepair.published import CLASSES

    if not rows:
        return _tabular("l", ["Published patch sets"], [["none in this configuration"]])
    body = []
    for i, r in enumerate(rows, start=1):
        pct = 100 * r["agree"] / r["candidates"] if r["candidates"] else 0.0
        body.append(
            [
                f"({i}) {latex_escape(r['label'])}",
                f"{fmt_int(r['claimed_plausible'])}/{fmt_int(r['claimed_exact'])}",
                f"{fmt_int(r['plausible'])}/{fmt_int(r['exact'])}",
                fmt_int(r["plausible_jdk"]) if r.get("plausible_jdk") is not None else "--",
                f"{fmt_int(r['agree'])}/{fmt_int(r['candidates'])} ({pct:.1f}\\%)",
                fmt_int(r["level_changed"]),
                fmt_int(r["unstable"]),
            ]
        )
    header = ["System", "Claimed P/E", "Here P/E", "P at JDK", "Agreeing", "Level changes", "Unstable"]
    classes = [[latex_escape(text), *(fmt_int(r.get(f"dis_{key}", 0)) for r in rows)] for key, text in CLASSES]
    note = (
        r"P/E: bugs with a plausible / exact candidate. P at JDK: plausible at the installed JDK's own level. Here: this pipeline's harness at the benchmark's Java level ("
        + latex_escape(", ".join(sorted({java_level_text(r["java_level"]) for r in rows})))
        + r"). Agreeing: candidates whose pass/fail verdict agrees with the authors'. Level changes: candidates that "
        r"compile at one Java level and not at the other; unstable: candidates whose verdict differs between the two "
        r"runs otherwise (e.g. a test near its JUnit time limit). Below: the disagreeing candidates by class, per system "
        r"(numbered as above)."
    )
    main = _tabular(r">{\raggedright\arraybackslash}Xrrrrrr", header, body, note=note, full_width=True)
    numbers = [f"({i})" for i in range(1, len(rows) + 1)]
    return main + "\\par\\medskip\n" + _tabular("l" + "r" * len(rows), ["Disagreement class", *numbers], classes)


# ---------------------------------------------------------------------------------------
# Uncertainty: plausible@k, seeds, paired differences with the test's resolution
# ---------------------------------------------------------------------------------------


def _seed_text(seed: object) -> str:
    return "--" if pd.isna(seed) else str(int(seed))


def table_at_k(at_k: pd.DataFrame) -> str:
    """plausible@k and exact@k per run (model and seed), with the Wilson interval of
    plausible@1 in percent."""
    if at_k.empty:
        return _tabular("l", ["plausible@k"], [["no verdicts"]])
    ks = sorted(at_k["k"].unique())
    body = []
    for (model, seed), sub in at_k.groupby(["model", "seed"], dropna=False, sort=False):
        by_k = sub.set_index("k")
        first = by_k.loc[ks[0]]
        body.append(
            [
                latex_escape(model),
                _seed_text(seed),
                *(fmt_int(by_k.loc[k, "plausible"]) for k in ks),
                f"{100 * first['plausible_lo']:.1f}--{100 * first['plausible_hi']:.1f}",
                *(fmt_int(by_k.loc[k, "exact"]) for k in ks),
            ]
        )
    header = [
        "Model",
        "Seed",
        *(f"P@{k}" for k in ks),
        rf"P@{ks[0]} CI (\%)",
        *(f"E@{k}" for k in ks),
    ]
    return _tabular("ll" + "r" * (2 * len(ks) + 1), header, body)


def table_effects(effects: pd.DataFrame, pairs: pd.DataFrame, spread: pd.DataFrame, alpha: float) -> str:
    """Per pair of models: the seeds, bugs fixed (mean over seeds, with the seeds' standard
    deviation), the difference with its 95% bootstrap interval, the Holm-adjusted exact McNemar
    p-value (from ``pairs``; with seeds, the largest over the seed pairs) and the minimum
    detectable difference at ``alpha`` and 80% power."""
    if effects.empty:
        return _tabular("l", ["Paired differences"], [["fewer than two models to compare"]])
    sd = spread.set_index("model")["sd"] if len(spread) else pd.Series(dtype=float)

    def fixed(model: str, mean: float, seeds: int) -> str:
        text = f"{mean:.1f}" if seeds > 1 else f"{mean:.0f}"
        return text + (rf" $\pm$ {sd[model]:.1f}" if seeds > 1 and model in sd.index else "")

    body = []
    for _, r in effects.iterrows():
        if "p_holm" in effects.columns:
            p = "--" if pd.isna(r["p_holm"]) else fmt_p(float(r["p_holm"]))
        else:
            hit = pairs[(pairs["model_a"] == r["model_a"]) & (pairs["model_b"] == r["model_b"])]
            p = fmt_p(float(hit["p_holm"].max())) if len(hit) else "--"
        mdd = "$\\infty$" if not np.isfinite(r["mdd"]) else f"{r['mdd']:.1f}"
        body.append(
            [
                f"{latex_escape(r['model_a'])} -- {latex_escape(r['model_b'])}",
                f"{int(r['seeds_a'])}/{int(r['seeds_b'])}",
                fixed(r["model_a"], r["fixed_a"], int(r["seeds_a"])),
                fixed(r["model_b"], r["fixed_b"], int(r["seeds_b"])),
                f"{r['diff']:+.1f}",
                f"[{r['diff_lo']:+.1f}, {r['diff_hi']:+.1f}]",
                p,
                mdd,
            ]
        )
    header = ["A -- B", "Seeds", "Fixed A", "Fixed B", "A$-$B", r"95\% CI", r"$p_\mathrm{Holm}$", "MDD"]
    note = (
        rf"Fixed: bugs plausibly fixed, mean $\pm$ s.d.\ over seeds. CI: bootstrap over bugs (and seeds). "
        rf"MDD: smallest difference in bugs an exact McNemar test detects with 80\% power at $\alpha={alpha:g}$ "
        r"($\infty$: too few discordant bugs to detect any)."
    )
    return _tabular("llrrrrrr", header, body, note=note)
