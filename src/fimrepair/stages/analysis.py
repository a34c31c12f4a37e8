"""Stage 8, analysis (workflow/rules/analysis.smk): summaries, statistics with their
uncertainty, per-bug results, and the published patch sets re-scored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrepair.config import REFERENCE_MODELS
from fimrepair.io import read_jsonl, write_tsv

log = logging.getLogger("fimrepair")


def analysis(
    verdict_files: Sequence[str | Path],
    bugs_jsonl: str | Path,
    loss_files: Sequence[str | Path],
    funnel_tsv: str | Path | Sequence[str | Path],
    out_summary: str | Path,
    out_pairwise: str | Path,
    generated_dir: str | Path,
    *,
    models: Sequence[str],
    config_name: str,
    reference_plausible: int | None,
    reference_label: str,
    reference_bugs: int,
    model_dir: str | Path | None = None,
    counts_files: Sequence[str | Path] = (),
    skipped_files: Sequence[str | Path] = (),
    reference_exact: int | None = None,
    reference_model: str | None = None,
    generation: Mapping[str, int] | None = None,
    settings_json: str | Path | None = None,
    statistics: Mapping[str, Any] | None = None,
    out_uncertainty: Mapping[str, str | Path] | None = None,
    seeds: Mapping[str, int] | None = None,
) -> None:
    """Summaries, statistics, figures, tables and ``numbers.tex`` from all verdicts of the
    primary benchmark (``settings_json``: its settings, for the Java level macro).

    ``statistics`` holds ``alpha``, ``power``, ``bootstrap_resamples`` and ``seed`` (defaults:
    the schema's ``analysis`` keys and the global seed); ``out_uncertainty`` the paths of the
    ``per_bug``, ``at_k``, ``effects`` and ``seeds`` tables (:func:`uncertainty`); ``seeds`` maps
    the verdict file of a run with a training seed to that seed (:func:`read_verdicts`): such runs
    are summarised and tested one by one as ``<model>-s<seed>``.
    Fails (after writing the tables) when the reference models are not at 100% / 0%.
    """
    import pandas as pd

    from fimrepair import analysis, paper
    from fimrepair.config import GenerationSpec

    stats = statistics_settings(statistics)
    verdicts, by_run, summary, pairs, tables, n_bugs = verdict_tables(
        verdict_files, bugs_jsonl, models, stats, seeds, out_summary, out_pairwise, out_uncertainty
    )
    contrast = _seeded_contrast(summary, verdicts)
    loss = (
        pd.concat([pd.read_csv(f, sep="\t") for f in loss_files], ignore_index=True) if loss_files else pd.DataFrame()
    )
    funnel_files = [funnel_tsv] if isinstance(funnel_tsv, (str, Path)) else list(funnel_tsv)
    funnel = pd.concat([pd.read_csv(f, sep="\t", keep_default_na=False) for f in funnel_files], ignore_index=True)
    reference = (
        (reference_label, float(reference_plausible))
        if reference_plausible is not None and n_bugs == reference_bugs
        else None
    )
    revision_file = Path(model_dir, "REVISION") if model_dir else None
    revision = revision_file.read_text().strip() if revision_file and revision_file.is_file() else "tiny offline model"
    macros = {
        "ConfigName": config_name,
        "ModelRevision": revision,
        "NCandidatesPerBug": int(by_run.groupby(["model", "bug_id"]).size().max()),
    }
    gen = GenerationSpec.from_section(generation)
    macros |= {"NumBeams": int(gen.num_beams), "MaxNewTokens": int(gen.max_new_tokens)}
    if settings_json is not None:
        macros["JavaLevel"] = analysis.java_level_text(json.loads(Path(settings_json).read_text())["java_level"])
    # one row per recipe: its seeds train on the same rows and steps (the first seed's counts)
    recipe_counts: list[dict[str, Any]] = []
    for f in counts_files:
        counts = json.loads(Path(f).read_text())
        if counts["recipe"] not in {c["recipe"] for c in recipe_counts}:
            recipe_counts.append(counts)
    skipped = {
        Path(f).parent.name: Path(f).read_text(encoding="utf-8").split(": ", 2)[-1].strip() for f in skipped_files
    }
    reproduction = {
        "model": analysis.runs_of(verdicts, reference_model) if reference_model else None,
        "label": reference_label,
        "plausible": reference_plausible,
        "exact": reference_exact,
        "published_bugs": reference_bugs,
    }
    paper.write_paper_inputs(
        generated_dir,
        summary,
        pairs,
        funnel,
        loss,
        by_run,
        macros,
        reference=reference,
        recipe_counts=recipe_counts,
        reproduction=reproduction,
        skipped=skipped,
        uncertainty={**tables, "alpha": stats["alpha"], "contrast": contrast and paper.DEFAULT_CONTRAST},
        contrast=contrast,
    )
    analysis.check_references(summary, by_run)
    log.info("analysis of %d models on %d bugs written", len(summary), n_bugs)


def read_verdicts(files: Sequence[str | Path], seeds: Mapping[str, int] | None = None) -> Any:
    """The verdict rows of ``files`` in one frame; with ``seeds`` (verdict file -> training seed
    of the run that wrote it) a ``seed`` column, ``<NA>`` for the files it does not name."""
    import pandas as pd

    frames = []
    for f in files:
        df = pd.DataFrame(read_jsonl(f))
        if seeds:
            df["seed"] = seeds.get(str(f), pd.NA)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    if seeds:
        out["seed"] = out["seed"].astype("Int64")
    return out


def _seeded_contrast(summary: Any, verdicts: Any) -> tuple[str, str] | None:
    """With seeds, the headline pair (``fim`` vs ``nofim``, :data:`DEFAULT_CONTRAST`) at their
    first seed's run labels."""
    from fimrepair import analysis
    from fimrepair.paper import DEFAULT_CONTRAST

    if "seed" not in verdicts or verdicts["seed"].isna().all():
        return None
    runs = analysis.runs(analysis.with_seed(verdicts))
    first = {}
    for model, seed in runs:
        first.setdefault(model, analysis.run_label(model, seed))
    a, b = (first.get(m) for m in DEFAULT_CONTRAST)
    return (a, b) if a and b and {a, b} <= set(summary["model"]) else None


def statistics_settings(statistics: Mapping[str, Any] | None) -> dict[str, Any]:
    """The analysis' statistical settings: ``alpha``, ``power``, ``bootstrap_resamples`` (the
    schema's ``analysis`` defaults) and the bootstrap ``seed`` (the global seed's default)."""
    from fimrepair.config import DEFAULT_SEED, AnalysisSpec

    defaults = AnalysisSpec()
    out = {k: getattr(defaults, k) for k in ("alpha", "power", "bootstrap_resamples")} | {"seed": DEFAULT_SEED}
    return out | dict(statistics or {})


def uncertainty(
    verdicts: Any,
    bug_ids: Sequence[str],
    models: Sequence[str],
    stats: Mapping[str, Any],
    out: Mapping[str, str | Path],
) -> dict[str, Any]:
    """Per-bug outcomes, plausible@k / exact@k, paired differences with their bootstrap
    intervals and minimum detectable differences, and the seeds' spread
    (:mod:`fimrepair.analysis.effects`) of one benchmark; each written as TSV to ``out[name]``
    when given. Returns the frames by name."""
    from fimrepair import analysis

    bugs = analysis.per_bug(verdicts, bug_ids, models=models)
    frames = {
        "per_bug": bugs,
        "at_k": analysis.at_k(bugs, len(bug_ids)),
        "effects": analysis.paired_differences(
            bugs,
            models,
            bug_ids,
            n_resamples=int(stats["bootstrap_resamples"]),
            seed=int(stats["seed"]),
            alpha=float(stats["alpha"]),
            power=float(stats["power"]),
        ),
        "seeds": analysis.seed_spread(bugs, [m for m in models if m not in REFERENCE_MODELS]),
    }
    for name, path in out.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        frames[name].to_csv(path, sep="\t", index=False)
    return frames


def verdict_tables(
    verdict_files: Sequence[str | Path],
    bugs_jsonl: str | Path,
    models: Sequence[str],
    stats: Mapping[str, Any],
    seeds: Mapping[str, int] | None,
    out_summary: str | Path,
    out_pairwise: str | Path,
    out_uncertainty: Mapping[str, str | Path] | None,
) -> tuple[Any, Any, Any, Any, dict[str, Any], int]:
    """What :func:`analysis` and :func:`analysis_benchmark` share: one benchmark's verdicts, its
    summary and pairwise tests (written to ``out_summary``/``out_pairwise``) and its
    :func:`uncertainty` tables (written to ``out_uncertainty``), before anything else can fail.
    Returns (verdicts, verdicts by run, summary, pairwise, uncertainty tables, number of bugs)."""
    from fimrepair import analysis

    verdicts = read_verdicts(verdict_files, seeds)
    bug_ids = [b["bug_id"] for b in read_jsonl(bugs_jsonl)]
    n_bugs = len(bug_ids)
    real = [m for m in models if m not in REFERENCE_MODELS]
    by_run, run_labels = analysis.label_runs(verdicts, real)
    summary = analysis.summarise(by_run, n_bugs, models=run_labels)
    pairs = analysis.pairwise(by_run, run_labels, n_bugs, keep=analysis.same_seed_pairs(verdicts))
    tables = uncertainty(verdicts, bug_ids, real, stats, {})
    tables["effects"] = analysis.with_pairwise_p(tables["effects"], pairs, verdicts)
    for name, path in (out_uncertainty or {}).items():
        tables[name].to_csv(path, sep="\t", index=False)
    summary.to_csv(out_summary, sep="\t", index=False)
    pairs.to_csv(out_pairwise, sep="\t", index=False)
    return verdicts, by_run, summary, pairs, tables, n_bugs


def analysis_benchmark(
    verdict_files: Sequence[str | Path],
    bugs_jsonl: str | Path,
    out_summary: str | Path,
    out_pairwise: str | Path,
    out_table: str | Path,
    out_figure: str | Path,
    *,
    models: Sequence[str],
    statistics: Mapping[str, Any] | None = None,
    out_uncertainty: Mapping[str, str | Path] | None = None,
    seeds: Mapping[str, int] | None = None,
) -> None:
    """One benchmark's summary, pairwise tests, results table and figure (every evaluated
    model and the published sets for it), and its :func:`uncertainty` tables; fails when the
    reference models are off."""

    from fimrepair import analysis

    _, by_run, summary, _, _, n_bugs = verdict_tables(
        verdict_files, bugs_jsonl, models, statistics_settings(statistics), seeds, out_summary, out_pairwise,
        out_uncertainty,
    )  # fmt: skip
    Path(out_table).parent.mkdir(parents=True, exist_ok=True)
    Path(out_table).write_text(analysis.table_benchmark(summary), encoding="utf-8")
    analysis.fig_fixed(summary, out_figure)
    analysis.check_references(summary, by_run)
    log.info("benchmark analysis: %d models on %d bugs", len(summary), n_bugs)


def paper_benchmarks(
    settings_files: Sequence[str | Path],
    tables: Sequence[str | Path],
    figures: Sequence[str | Path],
    out_tex: str | Path,
) -> None:
    """The paper's per-benchmark section (:func:`fimrepair.analysis.text_benchmarks`); table and
    figure paths are written relative to the paper's folder (the parent of ``generated/``)."""
    from fimrepair import analysis

    base = Path(out_tex).parent.parent
    entries = []
    for settings, table, figure in zip(settings_files, tables, figures, strict=True):
        info = json.loads(Path(settings).read_text())
        rel = lambda p: Path(p).resolve().relative_to(base.resolve()).as_posix()  # noqa: E731
        entries.append(
            {
                "name": info["benchmark"],
                "bugs": info["bugs"],
                "java_level": info["java_level"],
                "table": rel(table),
                "figure": rel(figure),
            }
        )
    Path(out_tex).write_text(analysis.text_benchmarks(entries), encoding="utf-8")


def published_analysis(
    systems: Sequence[Mapping[str, Any]], out_tsv: str | Path, out_tex: str | Path
) -> list[dict[str, Any]]:
    """The published-patch table: per system (``name``, ``label``, ``benchmark``, ``candidates``,
    ``verdicts``, ``verdicts_jdk``, ``bugs``, ``settings``: file paths) its authors' claims beside
    this pipeline's verdicts (:func:`fimrepair.published.compare`)."""
    from fimrepair import analysis
    from fimrepair.published import compare

    rows = []
    for s in systems:
        bugs = read_jsonl(s["bugs"])
        level = json.loads(Path(s["settings"]).read_text())["java_level"]
        res = compare(
            read_jsonl(s["candidates"]),
            read_jsonl(s["verdicts"]),
            read_jsonl(s["verdicts_jdk"]),
            {b["bug_id"]: b["method_name"] for b in bugs},
        )
        row = {
            "system": s["name"],
            "label": s.get("label") or s["name"],
            "benchmark": s["benchmark"],
            "java_level": level,
            **{f"claimed_{k}": res["claimed"][k] for k in ("plausible", "exact", "compilable", "candidates")},
            "plausible": res["ours"]["plausible"],
            "exact": res["ours"]["exact"],
            "compilable": res["ours"]["compilable"],
            "plausible_jdk": res["ours_jdk"]["plausible"],
            "candidates": res["compared"],
            "agree": res["agree"],
            "compile_agree": res["compile_agree"],
            "level_changed": res["level_changed"],
            "unstable": res["unstable"],
            **{f"dis_{k}": v for k, v in res["disagreements"].items()},
        }
        log.info(
            "published %s: claimed %s, here %s (JDK level: %s), agreement %d/%d, disagreements %s, examples %s",
            s["name"],
            res["claimed"],
            res["ours"],
            res["ours_jdk"],
            res["agree"],
            res["compared"],
            res["disagreements"],
            res["examples"],
        )
        rows.append(row)
    write_tsv(out_tsv, rows, columns=list(rows[0]) if rows else list(analysis.PUBLISHED_COLUMNS))
    Path(out_tex).parent.mkdir(parents=True, exist_ok=True)
    Path(out_tex).write_text(analysis.table_published(rows), encoding="utf-8")
    return rows
