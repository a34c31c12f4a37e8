"""Analysis of validated repair candidates: per-model summaries, paired tests, figures, tables.

Inputs are self-describing records (every row carries its model, benchmark and bug id):

* **verdicts**, one per candidate: ``model, benchmark, bug_id, rank, status,
  failing_test, message, exact_match, ast_match, duplicate_of``;
* **loss rows** from fine-tuning, one per logged step: ``recipe, step, epoch, loss, split``;
* **funnel rows** from data preparation: ``dataset, step, rows_in, rows_out, reason``.

Counting rules (stated once, used everywhere):

* A bug is *plausibly fixed* by a model when at least one of its candidates passes all
  tests; *exact* / *AST* when at least one candidate equals the developer fix textually
  (after normalisation) / as a syntax tree; *compilable* when at least one candidate
  compiles (every status but ``uncompilable``: ``failing``, ``timeout`` and ``crash`` all
  ran the tests).
* Rates are over the benchmark size ``n_bugs``, not over the bugs that have rows: a model
  that produced nothing for a bug has not fixed it.
* ``oracle`` (the developer fix) and ``identity`` (the buggy method unchanged) are
  *reference models*: sanity checks of the validator, which must score 100% and 0%
  plausible. They are listed last in tables and left out of the pairwise tests.

Everything here is a pure function over DataFrames except the ``fig_*`` functions, which
write files. Figures are drawn on :class:`matplotlib.figure.Figure` objects (no pyplot, no
global backend or style changes) and saved without time stamps, so reruns give identical
bytes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

STATUSES: tuple[str, ...] = ("plausible", "failing", "timeout", "crash", "uncompilable")
"""Candidate statuses, best first (also the stacking order of :func:`fig_outcomes`)."""

COMPILED_STATUSES: frozenset[str] = frozenset({"plausible", "failing", "timeout", "crash"})
"""Statuses of candidates that compiled (the tests ran, whatever their outcome)."""

REFERENCE_MODELS: tuple[str, ...] = ("oracle", "identity")
"""Reference "models": the developer fix (must be 100% plausible) and the unchanged bug (0%)."""

VERDICT_COLUMNS: tuple[str, ...] = (
    "model", "benchmark", "bug_id", "rank", "status", "failing_test", "message",
    "exact_match", "ast_match", "duplicate_of",
)
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


def _frame(rows: pd.DataFrame | Iterable[Mapping[str, Any]], columns: Sequence[str],
           what: str) -> pd.DataFrame:
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
            f"bug_id={row['bug_id']!r} rank={row['rank']!r}; expected one of {STATUSES}")
    key = ["model", "benchmark", "bug_id", "rank"]
    dup = df.duplicated(key, keep=False)
    if dup.any():
        row = df[dup].iloc[0]
        raise AnalysisError(
            f"verdicts: {int(dup.sum())} rows share a key, e.g. model={row['model']!r} "
            f"benchmark={row['benchmark']!r} bug_id={row['bug_id']!r} rank={row['rank']!r}")
    for col in ("exact_match", "ast_match"):
        df[col] = df[col].astype(bool)
    return df


def loss_frame(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Loss rows as a checked DataFrame (``split`` must be ``train`` or ``eval``)."""
    df = _frame(rows, LOSS_COLUMNS, "loss rows")
    bad = ~df["split"].isin(("train", "eval"))
    if bad.any():
        row = df[bad].iloc[0]
        raise AnalysisError(f"loss rows: split {row['split']!r} (recipe={row['recipe']!r}, "
                            f"step={row['step']!r}) is not 'train' or 'eval'")
    return df


def funnel_frame(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Funnel rows as a checked DataFrame (``rows_out`` may not exceed ``rows_in``)."""
    df = _frame(rows, FUNNEL_COLUMNS, "funnel")
    bad = df["rows_out"] > df["rows_in"]
    if bad.any():
        row = df[bad].iloc[0]
        raise AnalysisError(f"funnel: step {row['step']!r} of {row['dataset']!r} has "
                            f"rows_out={row['rows_out']} > rows_in={row['rows_in']}")
    return df


# ---------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``k / n`` (95% by default)."""
    if n <= 0:
        raise AnalysisError(f"wilson_interval: n must be positive, got {n}")
    if not 0 <= k <= n:
        raise AnalysisError(f"wilson_interval: need 0 <= k <= n, got k={k}, n={n}")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # The bounds are exactly 0 at k = 0 and 1 at k = n; rounding must not push them past p.
    lo = 0.0 if k == 0 else max(0.0, min(p, centre - half))
    hi = 1.0 if k == n else min(1.0, max(p, centre + half))
    return lo, hi


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of ``only_a`` successes in
    ``only_a + only_b`` discordant pairs with p = 1/2.

    Uses ``scipy.stats.binomtest`` when SciPy is installed, else the exact sum
    ``min(1, 2 * P(X <= min(only_a, only_b)))`` (identical for p = 1/2, where the
    distribution is symmetric). No discordant pairs gives 1.
    """
    if only_a < 0 or only_b < 0:
        raise AnalysisError(f"mcnemar_exact: negative counts {only_a}, {only_b}")
    n = only_a + only_b
    if n == 0:
        return 1.0
    try:
        from scipy.stats import binomtest
    except ImportError:
        tail = sum(Fraction(math.comb(n, i), 2**n) for i in range(min(only_a, only_b) + 1))
        return float(min(Fraction(1), 2 * tail))
    return float(binomtest(only_a, n, 0.5, alternative="two-sided").pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as the input)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


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


def summarise(verdicts: pd.DataFrame, n_bugs: int,
              models: Sequence[str] | None = None) -> pd.DataFrame:
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
            raise AnalysisError(f"model {model!r} has verdicts for {n_seen} bugs, more than "
                                f"the benchmark's n_bugs={n_bugs}")
        row: dict[str, Any] = {"model": model, "benchmark": benchmark,
                               "reference": model in REFERENCE_MODELS, "bugs": n_bugs}
        for metric in METRICS:
            row[metric] = len(fixed_bugs(sub, model, metric))
        row["candidates"] = len(sub)
        row["distinct_candidates"] = int(sub["duplicate_of"].isna().sum())
        for metric in METRICS:
            row[f"{metric}_rate"] = row[metric] / n_bugs
        row["plausible_lo"], row["plausible_hi"] = wilson_interval(row["plausible"], n_bugs)
        rows.append(row)
    out = pd.DataFrame(rows, columns=[
        "model", "benchmark", "reference", "bugs", *METRICS, "candidates",
        "distinct_candidates", *(f"{m}_rate" for m in METRICS), "plausible_lo",
        "plausible_hi"])
    return out


def pairwise(verdicts: pd.DataFrame, models: Sequence[str], n_bugs: int) -> pd.DataFrame:
    """Exact McNemar tests on per-bug plausible outcomes for every pair of real models.

    One row per pair ``(a, b)`` in the order of ``itertools.combinations(models, 2)``
    (reference models are dropped): ``model_a, model_b, both, only_a, only_b, neither,
    p_value, p_holm`` where ``neither = n_bugs - both - only_a - only_b`` counts bugs that
    neither model fixed, with or without verdict rows, and ``p_holm`` is Holm-adjusted
    over all pairs in the table.
    """
    df = verdicts_frame(verdicts)
    real = [m for m in dict.fromkeys(models) if m not in REFERENCE_MODELS]
    unknown = [m for m in real if m not in set(df["model"])]
    if unknown:
        raise AnalysisError(f"pairwise: no verdicts for model(s) {unknown}")
    fixed = {m: fixed_bugs(df, m) for m in real}
    rows = []
    for a, b in itertools.combinations(real, 2):
        both = len(fixed[a] & fixed[b])
        only_a = len(fixed[a] - fixed[b])
        only_b = len(fixed[b] - fixed[a])
        neither = n_bugs - both - only_a - only_b
        if neither < 0:
            raise AnalysisError(f"pairwise: {a!r} and {b!r} fix more than n_bugs={n_bugs}")
        rows.append({"model_a": a, "model_b": b, "both": both, "only_a": only_a,
                     "only_b": only_b, "neither": neither,
                     "p_value": mcnemar_exact(only_a, only_b)})
    out = pd.DataFrame(rows, columns=["model_a", "model_b", "both", "only_a", "only_b",
                                      "neither", "p_value"])
    out["p_holm"] = holm(list(out["p_value"])) if len(out) else pd.Series(dtype=float)
    return out


def check_references(summary: pd.DataFrame, verdicts: pd.DataFrame | None = None,
                     bug_ids: Iterable[str] | None = None, require: bool = True) -> None:
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
        msg = (f"{model!r} is {row['plausible']}/{row['bugs']} plausible "
               f"({100 * row['plausible_rate']:.1f}%), must be {100 * want:.0f}%")
        if verdicts is not None:
            msg += ": " + _responsible(verdicts, model, bug_ids)
        problems.append(msg)
    if problems:
        raise ReferenceCheckError("reference check failed (validator or benchmark broken): "
                                  + "; ".join(problems))


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


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------

_STATUS_COLOURS = {"plausible": "#1b9e77", "failing": "#d95f02", "timeout": "#7570b3",
                   "crash": "#e7298a", "uncompilable": "#999999"}


def _new_figure(width: float, height: float):  # -> matplotlib.figure.Figure
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _style():
    """A local seaborn style (no global rcParams change)."""
    import seaborn as sns

    return sns.axes_style("whitegrid")


def save_figure(fig, path: str | Path) -> list[Path]:
    """Save ``fig`` as PDF and PNG next to ``path`` (suffix replaced), without time stamps.

    Returns the written paths (PDF first).
    """
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    pdf, png = base.with_suffix(".pdf"), base.with_suffix(".png")
    fig.savefig(pdf, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    fig.savefig(png, format="png", dpi=200, metadata={"Software": None})
    return [pdf, png]


def _model_order(models: Iterable[str]) -> list[str]:
    ms = list(dict.fromkeys(models))
    return [m for m in ms if m not in REFERENCE_MODELS] + [m for m in REFERENCE_MODELS
                                                            if m in ms]


def fig_outcomes(verdicts: pd.DataFrame, path: str | Path) -> list[Path]:
    """Stacked bars per model: how many candidates ended in each status."""
    df = verdicts_frame(verdicts)
    order = _model_order(df["model"])
    counts = (pd.crosstab(df["model"], df["status"])
              .reindex(index=order, columns=list(STATUSES), fill_value=0))
    with _style():
        fig = _new_figure(max(4.0, 0.8 * len(order) + 2), 3.2)
        ax = fig.add_subplot()
        bottom = pd.Series(0, index=counts.index)
        for status in STATUSES:
            ax.bar(counts.index, counts[status], bottom=bottom, label=status,
                   color=_STATUS_COLOURS[status], width=0.7)
            bottom = bottom + counts[status]
        ax.set_ylabel("candidates")
        ax.set_xlabel("model")
        ax.tick_params(axis="x", rotation=30 if len(order) > 5 else 0)
        ax.legend(title="status", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        return save_figure(fig, path)


def fig_fixed(summary: pd.DataFrame, path: str | Path,
              reference: tuple[str, float] | None = None,
              include_references: bool = False) -> list[Path]:
    """Grouped bars per model: bugs plausible / exact / compilable, with the 95% Wilson
    interval on plausible.

    ``reference`` is an optional ``(label, plausible_bugs)`` drawn as a dashed line, e.g.
    ``("RepairLLaMA DeepSeek LoRA (134)", 134)``: the caller decides whether a published
    number is comparable (same benchmark, same bug count). Reference models are left out
    unless ``include_references``.
    """
    import seaborn as sns

    s = summary if include_references else summary[~summary["reference"].astype(bool)]
    metrics = ["plausible", "exact", "compilable"]
    long = s.melt(id_vars=["model"], value_vars=metrics, var_name="metric", value_name="count")
    with _style():
        fig = _new_figure(max(6.0, 1.1 * len(s) + 3.5), 3.4)
        ax = fig.add_subplot()
        if len(s):
            sns.barplot(data=long, x="model", y="count", hue="metric", hue_order=metrics,
                        order=list(s["model"]), palette="deep", ax=ax, errorbar=None)
            width = 0.8 / len(metrics)
            x = [i - 0.8 / 2 + width / 2 for i in range(len(s))]  # plausible is hue 0
            n = s["bugs"].to_numpy()
            k = s["plausible"].to_numpy()
            lo = k - s["plausible_lo"].to_numpy() * n
            hi = s["plausible_hi"].to_numpy() * n - k
            ax.errorbar(x, k, yerr=[lo, hi], fmt="none", ecolor="black", capsize=3, lw=1,
                        label="95% Wilson CI")
        if reference is not None:
            label, value = reference
            ax.axhline(value, ls="--", color="0.3", lw=1, label=label)
        ax.set_ylim(0, max([int(summary["bugs"].max()) if len(summary) else 1]
                           + ([reference[1]] if reference else [])) * 1.05)
        ax.set_ylabel("bugs")
        ax.set_xlabel("model")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        return save_figure(fig, path)


def fig_loss(loss_rows: pd.DataFrame | Iterable[Mapping[str, Any]],
             path: str | Path) -> list[Path]:
    """Loss against step, one colour per recipe, solid for train and dashed for eval.

    With no rows (no fine-tuned model in the configuration) the figure says so, so that
    the paper still builds.
    """
    import seaborn as sns

    df = loss_frame(loss_rows)
    with _style():
        fig = _new_figure(5.5, 3.2)
        ax = fig.add_subplot()
        if df.empty:
            ax.text(0.5, 0.5, "no fine-tuning runs in this configuration",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            df = df.sort_values(["recipe", "split", "step"])
            sns.lineplot(data=df, x="step", y="loss", hue="recipe", style="split",
                         style_order=["train", "eval"], hue_order=sorted(df["recipe"].unique()),
                         markers=False, errorbar=None, ax=ax)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        ax.set_xlabel("optimiser step")
        ax.set_ylabel("loss (output tokens)")
        return save_figure(fig, path)


# ---------------------------------------------------------------------------------------
# Tables (LaTeX fragments: a booktabs tabular, wrapped in table/caption by main.tex)
# ---------------------------------------------------------------------------------------

_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$",
                   "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                   "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


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


def _tabular(spec: str, header: Sequence[str], body: Sequence[Sequence[str]],
             groups: Sequence[int] = (), note: str | None = None) -> str:
    """A booktabs tabular; ``groups`` are body row indices preceded by ``\\midrule``."""
    lines = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & ".join(header) + r" \\",
             r"\midrule"]
    for i, row in enumerate(body):
        if i in groups:
            lines.append(r"\midrule")
        lines.append(" & ".join(row) + r" \\")
    lines.append(r"\bottomrule")
    if note:
        lines.append(rf"\multicolumn{{{len(header)}}}{{l}}{{\footnotesize {note}}} \\")
    lines.append(r"\end{tabular}")
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
        body.append([
            name,
            f"{plaus} ({100 * r['plausible_rate']:.1f}\\%)",
            f"{100 * r['plausible_lo']:.1f}--{100 * r['plausible_hi']:.1f}",
            fmt_int(r["exact"]), fmt_int(r["ast"]), fmt_int(r["compilable"]),
            f"{fmt_int(r['candidates'])} ({fmt_int(r['distinct_candidates'])})",
        ])
    header = ["Model", "Plausible", r"95\% CI (\%)", "Exact", "AST", "Compilable",
              "Candidates (distinct)"]
    note = (r"$^\dagger$ sanity checks of the validator: the developer fix must be 100\% "
            r"and the unchanged bug 0\% plausible." if len(refs) else None)
    return _tabular("lrrrrrr", header, body, groups=[len(real)] if len(real) and len(refs)
                    else [], note=note)


def table_funnel(funnel: pd.DataFrame | Iterable[Mapping[str, Any]]) -> str:
    """Data funnel table: rows in and out of every preparation step, with the reason. The
    recipes' eval-split funnels (``<recipe> (eval)``) stay in the TSV files, not in the paper."""
    df = funnel_frame(funnel)
    df = df[~df["dataset"].astype(str).str.endswith("(eval)")]
    body, groups, last = [], [], None
    for i, (_, r) in enumerate(df.iterrows()):
        if last is not None and r["dataset"] != last:
            groups.append(i)
        body.append([latex_escape(r["dataset"]) if r["dataset"] != last else "",
                     latex_escape(r["step"]), fmt_int(r["rows_in"]), fmt_int(r["rows_out"]),
                     fmt_int(r["rows_in"] - r["rows_out"]), latex_escape(r["reason"])])
        last = r["dataset"]
    if not body:
        body = [[r"\multicolumn{6}{c}{no data preparation in this configuration}"]]
    return _tabular("llrrrp{0.36\\linewidth}",
                    ["Dataset", "Step", "In", "Out", "Dropped", "Reason"], body, groups)


def table_pairwise(pairs: pd.DataFrame) -> str:
    """Pairwise McNemar table: per-bug plausible outcomes of each pair of models."""
    body = [[latex_escape(r["model_a"]), latex_escape(r["model_b"]), fmt_int(r["both"]),
             fmt_int(r["only_a"]), fmt_int(r["only_b"]), fmt_int(r["neither"]),
             fmt_p(r["p_value"]), fmt_p(r["p_holm"])] for _, r in pairs.iterrows()]
    if not body:
        body = [[r"\multicolumn{8}{c}{fewer than two models to compare}"]]
    return _tabular("llrrrrrr", ["A", "B", "Both", "Only A", "Only B", "Neither", "$p$",
                                 r"$p_\mathrm{Holm}$"], body)


def table_recipes(counts: Sequence[Mapping[str, Any]]) -> str:
    """Training set of each recipe (``counts.json``): rows, optimiser steps, and loss-bearing
    tokens of one epoch, all of them and those that write the fix, with the rows per layout.
    Every recipe trains on the same rows (``fimrepair.training_pairs``)."""
    body = []
    for c in counts:
        modes = c.get("by_mode", {})
        layout = ", ".join(f"{latex_escape(m)} {fmt_int(v['rows'])}" for m, v in sorted(modes.items())) or "--"
        fix = fmt_int(c["fix_tokens"]) if "fix_tokens" in c else "--"
        body.append([latex_escape(c["recipe"]), fmt_int(c["train"]), fmt_int(c["optimizer_steps"]), fmt_int(c["loss_tokens"]), fix, layout])
    if not body:
        body = [[r"\multicolumn{6}{c}{no fine-tuned recipe in this configuration}"]]
    header = ["Recipe", "Rows", "Steps", "Loss tokens", "Fix tokens", "Rows per layout"]
    return _tabular("lrrrrl", header, body)


def table_reproduction(summary: pd.DataFrame, model: str | None, label: str, plausible: int | None, exact: int | None, published_bugs: int = 162) -> str:
    """The reproduction arm beside the published system it reproduces (same benchmark only)."""
    rows = summary.set_index("model")
    body = [[latex_escape(label) + " (published)", "--" if plausible is None else fmt_int(plausible), "--" if exact is None else fmt_int(exact), fmt_int(published_bugs)]]
    note = None
    if model is not None and model in rows.index:
        r = rows.loc[model]
        body.append([latex_escape(model) + " (this pipeline)", fmt_int(r["plausible"]), fmt_int(r["exact"]), fmt_int(r["bugs"])])
        if int(r["bugs"]) != published_bugs:
            note = f"Not comparable: this configuration evaluates {int(r['bugs'])} bugs, the published result {published_bugs}."
    else:
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
        body.append([name, f"{fmt_int(r['plausible'])} ({100 * r['plausible_rate']:.1f}\\%)", fmt_int(r["exact"]), fmt_int(r["compilable"]),
                     f"{fmt_int(r['candidates'])} ({fmt_int(r['distinct_candidates'])})"])
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
    "system", "label", "benchmark", "java_level", "claimed_plausible", "claimed_exact", "claimed_compilable", "claimed_candidates",
    "plausible", "exact", "compilable", "plausible_jdk", "candidates", "agree", "compile_agree", "level_changed", "unstable",
)


def table_published(rows: Sequence[Mapping[str, Any]]) -> str:
    """Published patch sets: per system the counts its authors' file claims, the counts under
    this pipeline's harness (at the benchmark's Java level, and plausible at the JDK's own), the
    per-candidate agreement of pass/fail verdicts, and the disagreements by class."""
    from fimrepair.published import CLASSES

    if not rows:
        return _tabular("l", ["Published patch sets"], [["none in this configuration"]])
    body = []
    for r in rows:
        pct = 100 * r["agree"] / r["candidates"] if r["candidates"] else 0.0
        body.append([
            latex_escape(r["label"]),
            f"{fmt_int(r['claimed_plausible'])} / {fmt_int(r['claimed_exact'])}",
            f"{fmt_int(r['plausible'])} / {fmt_int(r['exact'])}",
            fmt_int(r["plausible_jdk"]) if r.get("plausible_jdk") is not None else "--",
            f"{fmt_int(r['agree'])}/{fmt_int(r['candidates'])} ({pct:.1f}\\%)",
            fmt_int(r["level_changed"]),
            fmt_int(r["unstable"]),
        ])
    header = ["System", "Claimed P / E", "Here P / E", "P at JDK level", "Agreeing candidates", "Level changes", "Unstable"]
    groups = [len(body)]
    for key, text in CLASSES:
        body.append([latex_escape(text), *[""] * 5, ", ".join(fmt_int(r.get(f"dis_{key}", 0)) for r in rows)])
    note = (r"P / E: bugs with a plausible / exact candidate. Here: this pipeline's harness at the benchmark's Java level ("
            + latex_escape(", ".join(sorted({java_level_text(r['java_level']) for r in rows}))) + "). Below the line: disagreeing "
            r"candidates by class, one count per system in the order above. Level changes: candidates that compile at one "
            r"Java level and not at the other; unstable: candidates whose verdict differs between the two runs otherwise "
            r"(e.g. a test near its JUnit time limit).")
    return _tabular("lrrrrrr", header, body, groups=groups, note=note)
