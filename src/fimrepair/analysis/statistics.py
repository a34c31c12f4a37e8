"""Statistics of validated candidates: the input frames, per-model summaries (Wilson
intervals), paired McNemar tests with Holm's correction, and the reference-model check.
The counting rules are stated in :mod:`fimrepair.analysis`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from fimrepair.config import REFERENCE_MODELS
from fimrepair.validate.run import VERDICT_FILE_COLUMNS

STATUSES: tuple[str, ...] = ("plausible", "failing", "timeout", "crash", "rejected", "uncompilable")
"""Candidate statuses, best first (also the stacking order of :func:`fig_outcomes`)."""

COMPILED_STATUSES: frozenset[str] = frozenset({"plausible", "failing", "timeout", "crash", "rejected"})
"""Statuses of candidates that compiled (the tests ran, whatever their outcome, or the candidate
was ``rejected`` by the bytecode policy before they could: it compiled, and it is not plausible)."""

VERDICT_COLUMNS: tuple[str, ...] = VERDICT_FILE_COLUMNS
LOSS_COLUMNS: tuple[str, ...] = ("recipe", "step", "epoch", "loss", "split")
FUNNEL_COLUMNS: tuple[str, ...] = ("dataset", "step", "rows_in", "rows_out", "reason")

METRICS: tuple[str, ...] = ("plausible", "exact", "ast", "compilable")
"""Per-bug metrics of :func:`summarise`, each with a ``<metric>_rate`` column."""

Z_95 = 1.959963984540054
"""Two-sided 95% standard normal quantile."""


class AnalysisError(ValueError):
    """Malformed analysis input; the message names the offending row or model."""


class ReferenceCheckError(AnalysisError):
    """A reference model (``oracle``/``identity``) did not score as it must: the validator or
    the benchmark is broken, so no other number can be trusted."""


# ---------------------------------------------------------------------------------------
# Input frames
# ---------------------------------------------------------------------------------------


def _frame(rows: pd.DataFrame | Iterable[Mapping[str, Any]], columns: Sequence[str], what: str) -> pd.DataFrame:
    """A copy of ``rows`` as a DataFrame, checked to have ``columns``."""
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if df.empty and not len(df.columns):
        df = pd.DataFrame(columns=list(columns))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AnalysisError(f"{what}: missing column(s) {missing}; have {list(df.columns)}")
    return df


def verdicts_frame(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Verdict rows as a checked DataFrame.

    Raises :class:`AnalysisError` naming the first bad row on an unknown status, on more
    than one row for the same ``(model, benchmark, bug_id, rank)``, or on a missing column.
    """
    df = _frame(rows, VERDICT_COLUMNS, "verdicts")
    bad = ~df["status"].isin(STATUSES)
    if bad.any():
        row = df[bad].iloc[0]
        raise AnalysisError(
            f"verdicts: unknown status {row['status']!r} for model={row['model']!r} "
            f"bug_id={row['bug_id']!r} rank={row['rank']!r}; expected one of {STATUSES}"
        )
    key = ["model", "benchmark", "bug_id", "rank"]
    dup = df.duplicated(key, keep=False)
    if dup.any():
        row = df[dup].iloc[0]
        raise AnalysisError(
            f"verdicts: {int(dup.sum())} rows share a key, e.g. model={row['model']!r} "
            f"benchmark={row['benchmark']!r} bug_id={row['bug_id']!r} rank={row['rank']!r}"
        )
    for col in ("exact_match", "ast_match"):
        df[col] = df[col].astype(bool)
    return df


def loss_frame(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Loss rows as a checked DataFrame (``split`` must be ``train`` or ``eval``)."""
    df = _frame(rows, LOSS_COLUMNS, "loss rows")
    bad = ~df["split"].isin(("train", "eval"))
    if bad.any():
        row = df[bad].iloc[0]
        raise AnalysisError(
            f"loss rows: split {row['split']!r} (recipe={row['recipe']!r}, "
            f"step={row['step']!r}) is not 'train' or 'eval'"
        )
    return df


def funnel_frame(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Funnel rows as a checked DataFrame (``rows_out`` may not exceed ``rows_in``)."""
    df = _frame(rows, FUNNEL_COLUMNS, "funnel")
    bad = df["rows_out"] > df["rows_in"]
    if bad.any():
        row = df[bad].iloc[0]
        raise AnalysisError(
            f"funnel: step {row['step']!r} of {row['dataset']!r} has "
            f"rows_out={row['rows_out']} > rows_in={row['rows_in']}"
        )
    return df


# ---------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``k / n`` (95% by default).

    The library's: ``statsmodels.stats.proportion.proportion_confint(k, n, alpha,
    method="wilson")`` with ``alpha = 2 * (1 - Phi(z))``. The bounds are then clamped so that
    they bracket ``k / n`` exactly (0 at ``k = 0``, 1 at ``k = n``): floating-point rounding
    once put a lower bound 2.8e-17 above a rate of 0.
    """
    from scipy.stats import norm
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0:
        raise AnalysisError(f"wilson_interval: n must be positive, got {n}")
    if not 0 <= k <= n:
        raise AnalysisError(f"wilson_interval: need 0 <= k <= n, got k={k}, n={n}")
    alpha = 0.05 if z == Z_95 else float(2 * norm.sf(z))
    lo, hi = (float(x) for x in proportion_confint(k, n, alpha=alpha, method="wilson"))
    p = k / n
    lo = 0.0 if k == 0 else max(0.0, min(p, lo))
    hi = 1.0 if k == n else min(1.0, max(p, hi))
    return lo, hi


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: ``scipy.stats.binomtest(only_a, only_a + only_b, 0.5)``
    (the binomial test of the discordant pairs, as ``statsmodels.stats.contingency_tables.mcnemar(
    exact=True)`` computes it). No discordant pairs gives 1."""
    from scipy.stats import binomtest

    if only_a < 0 or only_b < 0:
        raise AnalysisError(f"mcnemar_exact: negative counts {only_a}, {only_b}")
    n = only_a + only_b
    if n == 0:
        return 1.0
    return float(binomtest(only_a, n, 0.5, alternative="two-sided").pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as the input):
    ``statsmodels.stats.multitest.multipletests(p_values, method="holm")[1]``."""
    from statsmodels.stats.multitest import multipletests

    if not len(p_values):
        return []
    return [float(p) for p in multipletests(list(p_values), method="holm")[1]]


# ---------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------


def _single_benchmark(df: pd.DataFrame) -> str:
    names = sorted(df["benchmark"].dropna().unique())
    if len(names) > 1:
        raise AnalysisError(f"verdicts mix benchmarks {names}; summarise one at a time")
    return names[0] if names else ""


def _ordered_models(df: pd.DataFrame, models: Sequence[str] | None) -> list[str]:
    """Real models first (``models`` order, else first appearance), then the reference
    models present in ``df`` or named in ``models``."""
    present = list(dict.fromkeys(df["model"]))
    if models is not None:
        extra = sorted(set(present) - set(models) - set(REFERENCE_MODELS))
        if extra:
            raise AnalysisError(f"verdicts have model(s) {extra} not in models={list(models)}")
    seen = list(dict.fromkeys([*(models if models is not None else []), *present]))
    real = [m for m in seen if m not in REFERENCE_MODELS]
    refs = [m for m in REFERENCE_MODELS if m in seen]
    return real + refs


def fixed_bugs(verdicts: pd.DataFrame, model: str, metric: str = "plausible") -> set[str]:
    """Bug ids that ``model`` fixes under ``metric`` (one of :data:`METRICS`)."""
    df = verdicts[verdicts["model"] == model]
    if metric == "plausible":
        hit = df["status"] == "plausible"
    elif metric == "exact":
        hit = df["exact_match"].astype(bool)
    elif metric == "ast":
        hit = df["ast_match"].astype(bool)
    elif metric == "compilable":
        hit = df["status"].isin(COMPILED_STATUSES)
    else:
        raise AnalysisError(f"unknown metric {metric!r}; expected one of {METRICS}")
    return set(df.loc[hit, "bug_id"])


def summarise(verdicts: pd.DataFrame, n_bugs: int, models: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per model: bugs fixed under each metric, candidate counts, rates, Wilson CI.

    Columns: ``model, benchmark, reference, bugs, plausible, exact, ast, compilable,
    candidates, distinct_candidates, plausible_rate, exact_rate, ast_rate,
    compilable_rate, plausible_lo, plausible_hi`` (rates and interval as fractions).

    ``n_bugs`` is the benchmark size, the denominator of every rate. ``models`` fixes the
    order of the real models and may name models without any verdict (all zeros); by
    default they appear in order of first appearance. Reference models always come last.
    """
    if n_bugs <= 0:
        raise AnalysisError(f"summarise: n_bugs must be positive, got {n_bugs}")
    df = verdicts_frame(verdicts)
    benchmark = _single_benchmark(df)
    rows = []
    for model in _ordered_models(df, models):
        sub = df[df["model"] == model]
        n_seen = sub["bug_id"].nunique()
        if n_seen > n_bugs:
            raise AnalysisError(
                f"model {model!r} has verdicts for {n_seen} bugs, more than the benchmark's n_bugs={n_bugs}"
            )
        row: dict[str, Any] = {
            "model": model,
            "benchmark": benchmark,
            "reference": model in REFERENCE_MODELS,
            "bugs": n_bugs,
        }
        for metric in METRICS:
            row[metric] = len(fixed_bugs(sub, model, metric))
        row["candidates"] = len(sub)
        row["distinct_candidates"] = int(sub["duplicate_of"].isna().sum())
        for metric in METRICS:
            row[f"{metric}_rate"] = row[metric] / n_bugs
        row["plausible_lo"], row["plausible_hi"] = wilson_interval(row["plausible"], n_bugs)
        rows.append(row)
    out = pd.DataFrame(
        rows,
        columns=[
            "model",
            "benchmark",
            "reference",
            "bugs",
            *METRICS,
            "candidates",
            "distinct_candidates",
            *(f"{m}_rate" for m in METRICS),
            "plausible_lo",
            "plausible_hi",
        ],
    )
    return out


def pairwise(
    verdicts: pd.DataFrame,
    models: Sequence[str],
    n_bugs: int,
    keep: Callable[[str, str], bool] | None = None,
) -> pd.DataFrame:
    """Exact McNemar tests on per-bug plausible outcomes for every pair of real models.

    One row per pair ``(a, b)`` in the order of ``itertools.combinations(models, 2)``
    (reference models are dropped): ``model_a, model_b, both, only_a, only_b, neither,
    p_value, p_holm`` where ``neither = n_bugs - both - only_a - only_b`` counts bugs that
    neither model fixed, with or without verdict rows, and ``p_holm`` is Holm-adjusted
    over all pairs in the table. ``keep(a, b)``, when given, selects the pairs to test (e.g.
    runs of the same training seed).
    """
    df = verdicts_frame(verdicts)
    real = [m for m in dict.fromkeys(models) if m not in REFERENCE_MODELS]
    unknown = [m for m in real if m not in set(df["model"])]
    if unknown:
        raise AnalysisError(f"pairwise: no verdicts for model(s) {unknown}")
    fixed = {m: fixed_bugs(df, m) for m in real}
    rows = []
    for a, b in itertools.combinations(real, 2):
        if keep is not None and not keep(a, b):
            continue
        both = len(fixed[a] & fixed[b])
        only_a = len(fixed[a] - fixed[b])
        only_b = len(fixed[b] - fixed[a])
        neither = n_bugs - both - only_a - only_b
        if neither < 0:
            raise AnalysisError(f"pairwise: {a!r} and {b!r} fix more than n_bugs={n_bugs}")
        rows.append(
            {
                "model_a": a,
                "model_b": b,
                "both": both,
                "only_a": only_a,
                "only_b": only_b,
                "neither": neither,
                "p_value": mcnemar_exact(only_a, only_b),
            }
        )
    out = pd.DataFrame(rows, columns=["model_a", "model_b", "both", "only_a", "only_b", "neither", "p_value"])
    out["p_holm"] = holm(list(out["p_value"])) if len(out) else pd.Series(dtype=float)
    return out


def check_references(
    summary: pd.DataFrame,
    verdicts: pd.DataFrame | None = None,
    bug_ids: Iterable[str] | None = None,
    require: bool = True,
) -> None:
    """Raise :class:`ReferenceCheckError` unless ``oracle`` is 100% and ``identity`` 0%
    plausible.

    With ``verdicts`` the message names the bugs responsible (the oracle's non-plausible
    bugs with their status and failing test, the identity's plausible bugs); with
    ``bug_ids`` (the benchmark's bugs) it also names bugs the oracle has no row for.
    ``require`` makes a missing reference model an error too.
    """
    problems: list[str] = []
    by_model = summary.set_index("model")
    for model, want in (("oracle", 1.0), ("identity", 0.0)):
        if model not in by_model.index:
            if require:
                problems.append(f"reference model {model!r} is missing from the summary")
            continue
        row = by_model.loc[model]
        if row["plausible_rate"] == want:
            continue
        msg = (
            f"{model!r} is {row['plausible']}/{row['bugs']} plausible "
            f"({100 * row['plausible_rate']:.1f}%), must be {100 * want:.0f}%"
        )
        if verdicts is not None:
            msg += ": " + _responsible(verdicts, model, bug_ids)
        problems.append(msg)
    if problems:
        raise ReferenceCheckError("reference check failed (validator or benchmark broken): " + "; ".join(problems))


def _responsible(verdicts: pd.DataFrame, model: str, bug_ids: Iterable[str] | None) -> str:
    df = verdicts[verdicts["model"] == model]
    plausible = fixed_bugs(df, model)
    if model == "identity":
        return "plausible on " + ", ".join(sorted(plausible))
    parts = []
    for bug, sub in sorted(df[~df["bug_id"].isin(plausible)].groupby("bug_id")):
        first = sub.sort_values("rank").iloc[0]
        detail = str(first["status"])
        if isinstance(first["failing_test"], str) and first["failing_test"]:
            detail += f" {first['failing_test']}"
        parts.append(f"{bug} ({detail})")
    if bug_ids is not None:
        absent = sorted(set(bug_ids) - set(df["bug_id"]))
        parts.extend(f"{bug} (no candidate)" for bug in absent)
    return "not plausible on " + (", ".join(parts) if parts else "bugs without any row")
