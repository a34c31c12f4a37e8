"""Claims with their uncertainty: per-bug outcomes, plausible@k / exact@k from beam ranks,
paired differences between models with bootstrap intervals (over bugs, and over seeds and bugs
when a model has several training seeds), and the smallest difference an exact McNemar test
can detect. The method and its references are in ``docs/statistics.md``.

A *run* is one model at one training seed. Verdict rows may carry a ``seed`` column (the
fine-tuning seed of the adapter that generated them); rows without one (the base model, the
reference models, published sets, or a configuration with one seed) are one run per model with
seed ``<NA>``. Every function here is pure and deterministic (bootstraps take an explicit seed).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fimrepair.analysis.statistics import STATUSES, AnalysisError, verdicts_frame, wilson_interval
from fimrepair.config import REFERENCE_MODELS

AT_K: tuple[int, ...] = (1, 5, 10)
"""The k of plausible@k and exact@k."""

PER_BUG_COLUMNS: tuple[str, ...] = (
    "model",
    "seed",
    "benchmark",
    "bug_id",
    "candidates",
    "best_status",
    "first_plausible_rank",
    "exact",
    "first_exact_rank",
    "ast",
)
NO_CANDIDATE = "none"
"""``best_status`` of a bug for which a run has no candidate."""


def with_seed(verdicts: pd.DataFrame) -> pd.DataFrame:
    """``verdicts`` checked (:func:`verdicts_frame`) with a nullable integer ``seed`` column
    (``<NA>`` where absent); duplicate ``(model, seed, benchmark, bug_id, rank)`` keys are errors."""
    df = verdicts.copy()
    if "seed" not in df.columns:
        df["seed"] = pd.NA
    df["seed"] = df["seed"].astype("Int64")
    parts = [
        verdicts_frame(sub.drop(columns="seed")).assign(seed=seed) for seed, sub in df.groupby("seed", dropna=False)
    ]
    return pd.concat(parts, ignore_index=True) if parts else verdicts_frame(df.drop(columns="seed")).assign(seed=pd.NA)


def _status_order(status: str) -> int:
    """Best first: :data:`STATUSES` order; a status this module does not know ranks after them."""
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def runs(df: pd.DataFrame, models: Sequence[str] | None = None) -> list[tuple[str, Any]]:
    """``(model, seed)`` pairs of ``df``: models in ``models`` order (else first appearance),
    reference models last, seeds ascending (``<NA>`` first)."""
    present = list(dict.fromkeys(df["model"]))
    order = list(dict.fromkeys([*(models or []), *present]))
    order = [m for m in order if m not in REFERENCE_MODELS] + [m for m in REFERENCE_MODELS if m in order]
    out = []
    for m in order:
        seeds = df.loc[df["model"] == m, "seed"]
        values = sorted({int(s) for s in seeds.dropna()})
        if seeds.isna().any() or not len(seeds):
            out.append((m, pd.NA))
        out.extend((m, s) for s in values)
    return out


def run_label(model: str, seed: Any) -> str:
    """The name of a run in per-run tables: the model, or ``<model>-s<seed>`` with a seed."""
    return str(model) if pd.isna(seed) else f"{model}-s{int(seed)}"


def label_runs(verdicts: pd.DataFrame, models: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """``verdicts`` with ``model`` replaced by its run label (:func:`run_label`; the frame
    unchanged without seeds) and the labels of ``models``' runs in order, seeds ascending."""
    if "seed" not in verdicts.columns or verdicts["seed"].isna().all():
        return verdicts.drop(columns=["seed"], errors="ignore"), list(models)
    df = with_seed(verdicts)
    labels = [run_label(m, s) for m, s in runs(df, models) if m not in REFERENCE_MODELS and m in set(models)]
    out = df.assign(model=[run_label(m, s) for m, s in zip(df["model"], df["seed"], strict=True)])
    return out.drop(columns="seed"), labels


def runs_of(verdicts: pd.DataFrame, model: str) -> list[str]:
    """The run labels of ``model`` in ``verdicts`` (``[model]`` without seeds or rows)."""
    if "seed" not in verdicts.columns or verdicts["seed"].isna().all():
        return [model]
    labels = [run_label(m, s) for m, s in runs(with_seed(verdicts)) if m == model]
    return labels or [model]


def same_seed_pairs(verdicts: pd.DataFrame) -> Any:
    """``keep(a, b)`` for :func:`~fimrepair.analysis.statistics.pairwise` over run labels: runs of
    the same training seed, or a run without a seed (the base model) against any run."""
    seed_of: dict[str, Any] = {}
    if "seed" in verdicts.columns:
        df = with_seed(verdicts)
        seed_of = {run_label(m, s): s for m, s in runs(df)}

    def keep(a: str, b: str) -> bool:
        sa, sb = seed_of.get(a, pd.NA), seed_of.get(b, pd.NA)
        return bool(pd.isna(sa) or pd.isna(sb) or sa == sb)

    return keep


def with_pairwise_p(effects: pd.DataFrame, pairs: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """``effects`` with ``p_holm``: the Holm-adjusted exact McNemar p-value of the pair from
    ``pairs`` (over run labels); with seeds, the largest over the pair's tested runs."""
    df = with_seed(verdicts) if len(verdicts) else verdicts
    model_of = {run_label(m, s): m for m, s in runs(df)} if len(df) else {}
    models = pairs.assign(
        a=[model_of.get(x, x) for x in pairs["model_a"]], b=[model_of.get(x, x) for x in pairs["model_b"]]
    )
    p = []
    for _, r in effects.iterrows():
        hit = models[(models["a"] == r["model_a"]) & (models["b"] == r["model_b"])]
        p.append(float(hit["p_holm"].max()) if len(hit) else float("nan"))
    return effects.assign(p_holm=p)


def per_bug(verdicts: pd.DataFrame, bug_ids: Sequence[str], models: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per run and benchmark bug (:data:`PER_BUG_COLUMNS`): candidates, the best status
    (``none`` without a candidate), the rank of the first plausible and of the first exact
    candidate (``<NA>`` if none; ranks are beam ranks from 0, so a missing rank is not a shift),
    and whether some candidate is an exact / AST match. Bugs without a row are included."""
    df = with_seed(verdicts)
    benchmarks = sorted(df["benchmark"].dropna().unique())
    if len(benchmarks) > 1:
        raise AnalysisError(f"per_bug: verdicts mix benchmarks {benchmarks}; one at a time")
    benchmark = benchmarks[0] if benchmarks else ""
    unknown = sorted(set(df["bug_id"]) - set(bug_ids))
    if unknown:
        raise AnalysisError(f"per_bug: verdicts for bug(s) {unknown[:5]} not in the benchmark {benchmark!r}")
    rows = []
    for model, seed in runs(df, models):
        sel = (df["model"] == model) & (df["seed"].isna() if pd.isna(seed) else df["seed"] == seed)
        by_bug = {bug: sub for bug, sub in df[sel].groupby("bug_id")}
        for bug in bug_ids:
            sub = by_bug.get(bug)
            row: dict[str, Any] = {"model": model, "seed": seed, "benchmark": benchmark, "bug_id": bug}
            if sub is None or sub.empty:
                row |= {
                    "candidates": 0,
                    "best_status": NO_CANDIDATE,
                    "first_plausible_rank": pd.NA,
                    "exact": False,
                    "first_exact_rank": pd.NA,
                    "ast": False,
                }
            else:
                plausible = sub.loc[sub["status"] == "plausible", "rank"]
                exact = sub.loc[sub["exact_match"], "rank"]
                row |= {
                    "candidates": len(sub),
                    "best_status": min(sub["status"], key=_status_order),
                    "first_plausible_rank": int(plausible.min()) if len(plausible) else pd.NA,
                    "exact": bool(len(exact)),
                    "first_exact_rank": int(exact.min()) if len(exact) else pd.NA,
                    "ast": bool(sub["ast_match"].any()),
                }
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(PER_BUG_COLUMNS))
    for col in ("seed", "first_plausible_rank", "first_exact_rank"):
        out[col] = out[col].astype("Int64")
    return out


def at_k(bugs: pd.DataFrame, n_bugs: int, ks: Sequence[int] = AT_K) -> pd.DataFrame:
    """plausible@k and exact@k per run from :func:`per_bug` rows: bugs whose first plausible
    (exact) candidate has beam rank below ``k``, out of ``n_bugs``, with 95% Wilson intervals.

    Columns: ``model, seed, benchmark, bugs, k, plausible, plausible_lo, plausible_hi, exact,
    exact_lo, exact_hi`` (intervals as fractions), one row per run and k.
    """
    if n_bugs <= 0:
        raise AnalysisError(f"at_k: n_bugs must be positive, got {n_bugs}")
    if any(int(k) < 1 for k in ks):
        raise AnalysisError(f"at_k: every k must be >= 1, got {list(ks)}")
    rows = []
    for (model, seed), sub in bugs.groupby(["model", "seed"], dropna=False, sort=False):
        if len(sub) > n_bugs:
            raise AnalysisError(f"at_k: run {model!r} seed {seed} has {len(sub)} bugs, more than n_bugs={n_bugs}")
        for k in ks:
            row: dict[str, Any] = {"model": model, "seed": seed, "benchmark": sub["benchmark"].iloc[0], "bugs": n_bugs}
            row["k"] = int(k)
            for metric, col in (("plausible", "first_plausible_rank"), ("exact", "first_exact_rank")):
                hit = int((sub[col].dropna() < k).sum())
                row[metric] = hit
                row[f"{metric}_lo"], row[f"{metric}_hi"] = wilson_interval(hit, n_bugs)
            rows.append(row)
    cols = ["model", "seed", "benchmark", "bugs", "k", "plausible", "plausible_lo", "plausible_hi"]
    out = pd.DataFrame(rows, columns=[*cols, "exact", "exact_lo", "exact_hi"])
    out["seed"] = out["seed"].astype("Int64")
    return out


# ---------------------------------------------------------------------------------------
# Paired differences
# ---------------------------------------------------------------------------------------


def fixed_matrix(bugs: pd.DataFrame, model: str, bug_ids: Sequence[str]) -> np.ndarray:
    """Seeds x bugs 0/1 matrix of plausible fixes of ``model`` (rows in seed order)."""
    sub = bugs[bugs["model"] == model]
    if sub.empty:
        raise AnalysisError(f"no per-bug rows for model {model!r}")
    rows = []
    for _, s in sub.groupby("seed", dropna=False, sort=True):
        fixed = set(s.loc[s["first_plausible_rank"].notna(), "bug_id"])
        rows.append([bug in fixed for bug in bug_ids])
    return np.asarray(rows, dtype=np.int64)


def two_way_bootstrap(
    a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int, confidence: float = 0.95
) -> tuple[float, float, np.ndarray]:
    """Percentile interval of the difference in bugs fixed, mean over seeds of ``a`` (seeds x
    bugs, 0/1) minus that of ``b``, resampling bugs (the same bugs for both: they are paired)
    and, independently for each model, its seeds (the seeds of two recipes are not paired).

    Each replicate draws ``n`` bug indices, then ``a``'s seed indices, then ``b``'s, from one
    ``numpy.random.default_rng(seed)`` stream; a model with one seed draws no seed index.
    Returns ``(lo, hi, replicates)``.
    """
    if a.shape[1] != b.shape[1]:
        raise AnalysisError(f"two_way_bootstrap: {a.shape[1]} and {b.shape[1]} bugs; the bugs must be paired")
    rng = np.random.default_rng(seed)
    n = a.shape[1]
    reps = np.empty(n_resamples)
    for i in range(n_resamples):
        idx = rng.integers(0, n, n)
        sa = rng.integers(0, a.shape[0], a.shape[0]) if a.shape[0] > 1 else np.zeros(1, dtype=np.int64)
        sb = rng.integers(0, b.shape[0], b.shape[0]) if b.shape[0] > 1 else np.zeros(1, dtype=np.int64)
        reps[i] = a[np.ix_(sa, idx)].sum(axis=1).mean() - b[np.ix_(sb, idx)].sum(axis=1).mean()
    tail = 100 * (1 - confidence) / 2
    lo, hi = np.percentile(reps, [tail, 100 - tail])
    return float(lo), float(hi), reps


def paired_bootstrap(
    a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Percentile interval of ``sum(a) - sum(b)`` (0/1 vectors over the same bugs) by
    ``scipy.stats.bootstrap((a, b), paired=True, method="percentile")``, which resamples bugs.
    No discordant bug gives (0, 0): every replicate is 0."""
    from scipy.stats import bootstrap

    if np.array_equal(a, b):
        return 0.0, 0.0
    res = bootstrap(
        (np.asarray(a, dtype=float), np.asarray(b, dtype=float)),
        lambda x, y, axis: x.sum(axis=axis) - y.sum(axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def paired_differences(
    bugs: pd.DataFrame,
    models: Sequence[str],
    bug_ids: Sequence[str],
    *,
    n_resamples: int,
    seed: int,
    alpha: float,
    power: float,
) -> pd.DataFrame:
    """For every pair of real models (``itertools.combinations`` order): the difference in
    bugs fixed (``a - b``, means over seeds), its 95% bootstrap interval, and the resolution of
    the exact McNemar test on this benchmark.

    Columns: ``model_a, model_b, seeds_a, seeds_b, fixed_a, fixed_b, diff, diff_lo, diff_hi,
    interval, discordant, mdd``. With one seed on each side the interval is the paired
    bootstrap over bugs (:func:`paired_bootstrap`), else the two-way bootstrap over bugs and
    seeds (:func:`two_way_bootstrap`); ``interval`` names which. ``discordant`` is the mean
    number of bugs that exactly one of the two fixes (over seed pairs), and ``mdd`` the
    :func:`min_detectable_difference` for it (``inf`` when no difference is detectable).
    """
    real = [m for m in dict.fromkeys(models) if m not in REFERENCE_MODELS]
    mats = {m: fixed_matrix(bugs, m, bug_ids) for m in real}
    n = len(bug_ids)
    rows = []
    for i, (a, b) in enumerate(itertools.combinations(real, 2)):
        ma, mb = mats[a], mats[b]
        if ma.shape[0] == 1 and mb.shape[0] == 1:
            lo, hi = paired_bootstrap(ma[0], mb[0], n_resamples, seed + i)
            method = "paired bootstrap over bugs"
        else:
            lo, hi, _ = two_way_bootstrap(ma, mb, n_resamples, seed + i)
            method = "two-way bootstrap over bugs and seeds"
        disc = float(np.mean([np.sum(x != y) for x in ma for y in mb]))
        rows.append(
            {
                "model_a": a,
                "model_b": b,
                "seeds_a": ma.shape[0],
                "seeds_b": mb.shape[0],
                "fixed_a": float(ma.sum(axis=1).mean()),
                "fixed_b": float(mb.sum(axis=1).mean()),
                "diff": float(ma.sum(axis=1).mean() - mb.sum(axis=1).mean()),
                "diff_lo": lo,
                "diff_hi": hi,
                "interval": method,
                "discordant": disc,
                "mdd": min_detectable_difference(n, disc / n if n else 0.0, alpha=alpha, power=power),
            }
        )
    cols = ["model_a", "model_b", "seeds_a", "seeds_b", "fixed_a", "fixed_b", "diff", "diff_lo", "diff_hi"]
    return pd.DataFrame(rows, columns=[*cols, "interval", "discordant", "mdd"])


def seed_spread(bugs: pd.DataFrame, models: Sequence[str] | None = None) -> pd.DataFrame:
    """Per model: the bugs fixed (plausible) by each seed, their mean, sample standard deviation
    (``ddof=1``; 0 with one seed) and range. Columns ``model, seeds, per_seed, mean, sd, min,
    max`` (``per_seed``: ``seed:count`` pairs joined by spaces; ``-`` for a run without seed)."""
    rows = []
    for model in dict.fromkeys([*(models or []), *bugs["model"]]):
        sub = bugs[bugs["model"] == model]
        if sub.empty:
            continue
        counts = sub.groupby("seed", dropna=False, sort=True)["first_plausible_rank"].count()
        values = counts.to_numpy(dtype=float)
        rows.append(
            {
                "model": model,
                "seeds": len(values),
                "per_seed": " ".join(f"{'-' if pd.isna(s) else int(s)}:{int(c)}" for s, c in counts.items()),
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                "min": int(values.min()),
                "max": int(values.max()),
            }
        )
    return pd.DataFrame(rows, columns=["model", "seeds", "per_seed", "mean", "sd", "min", "max"])


# ---------------------------------------------------------------------------------------
# Power of the exact McNemar test
# ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _rejection_region(discordant: int, alpha: float) -> tuple[int, ...]:
    """The counts ``x`` of ``discordant`` pairs whose two-sided exact binomial p-value
    (``scipy.stats.binomtest(x, discordant, 0.5)``) is at most ``alpha``."""
    from scipy.stats import binomtest

    return tuple(x for x in range(discordant + 1) if binomtest(x, discordant, 0.5).pvalue <= alpha)


def mcnemar_power(discordant: int, share_a: float, alpha: float) -> float:
    """Power of the two-sided exact McNemar test at level ``alpha`` given ``discordant`` pairs,
    of which each favours model A with probability ``share_a``: the binomial probability
    (``scipy.stats.binom``) of the counts whose ``scipy.stats.binomtest`` p-value is at most
    ``alpha``."""
    from scipy.stats import binom

    if discordant <= 0:
        return 0.0
    region = np.asarray(_rejection_region(int(discordant), float(alpha)), dtype=np.int64)
    return float(binom.pmf(region, discordant, share_a).sum()) if len(region) else 0.0


def min_detectable_difference(n_bugs: int, discordant_rate: float, alpha: float, power: float = 0.8) -> float:
    """The smallest expected difference in bugs fixed that the exact McNemar test detects with
    probability ``power`` at level ``alpha``, on ``n_bugs`` bugs of which a share
    ``discordant_rate`` is discordant (fixed by exactly one model).

    Conditional on ``m = round(n_bugs * discordant_rate)`` discordant pairs, a difference of
    ``d`` bugs means each discordant pair favours A with probability ``(1 + d / m) / 2``; the
    answer is the smallest ``d`` (found by ``scipy.optimize.brentq`` on
    :func:`mcnemar_power`, which grows with ``d``) reaching ``power``. ``inf`` when even
    ``d = m`` (all discordant pairs one way) does not: too few discordant pairs to detect
    anything (e.g. ``m <= 5`` at ``alpha = 0.05``).
    """
    from scipy.optimize import brentq

    if n_bugs <= 0:
        raise AnalysisError(f"min_detectable_difference: n_bugs must be positive, got {n_bugs}")
    m = int(round(n_bugs * discordant_rate))
    if m <= 0 or mcnemar_power(m, 1.0, alpha) < power:
        return float("inf")
    share = brentq(lambda s: mcnemar_power(m, s, alpha) - power, 0.5, 1.0, xtol=1e-10)
    return float(m * (2 * share - 1))
