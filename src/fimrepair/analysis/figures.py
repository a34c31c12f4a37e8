"""Figures (seaborn on :class:`matplotlib.figure.Figure` objects: no pyplot, no global backend
or style change), saved as PDF and PNG without time stamps, so reruns give identical bytes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from fimrepair.analysis.statistics import STATUSES, loss_frame, verdicts_frame
from fimrepair.config import REFERENCE_MODELS

# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------

_STATUS_COLOURS = {
    "plausible": "#1b9e77",
    "failing": "#d95f02",
    "timeout": "#7570b3",
    "crash": "#e7298a",
    "rejected": "#e6ab02",
    "uncompilable": "#999999",
}


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
    return [m for m in ms if m not in REFERENCE_MODELS] + [m for m in REFERENCE_MODELS if m in ms]


def fig_outcomes(verdicts: pd.DataFrame, path: str | Path) -> list[Path]:
    """Stacked bars per model: how many candidates ended in each status."""
    df = verdicts_frame(verdicts)
    order = _model_order(df["model"])
    counts = pd.crosstab(df["model"], df["status"]).reindex(index=order, columns=list(STATUSES), fill_value=0)
    with _style():
        fig = _new_figure(max(4.0, 0.8 * len(order) + 2), 3.2)
        ax = fig.add_subplot()
        bottom = pd.Series(0, index=counts.index)
        for status in STATUSES:
            ax.bar(counts.index, counts[status], bottom=bottom, label=status, color=_STATUS_COLOURS[status], width=0.7)
            bottom = bottom + counts[status]
        ax.set_ylabel("candidates")
        ax.set_xlabel("model")
        ax.tick_params(axis="x", rotation=30 if len(order) > 5 else 0)
        ax.legend(title="status", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        return save_figure(fig, path)


def fig_fixed(
    summary: pd.DataFrame,
    path: str | Path,
    reference: tuple[str, float] | None = None,
    include_references: bool = False,
) -> list[Path]:
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
            sns.barplot(
                data=long,
                x="model",
                y="count",
                hue="metric",
                hue_order=metrics,
                order=list(s["model"]),
                palette="deep",
                ax=ax,
                errorbar=None,
            )
            width = 0.8 / len(metrics)
            x = [i - 0.8 / 2 + width / 2 for i in range(len(s))]  # plausible is hue 0
            n = s["bugs"].to_numpy()
            k = s["plausible"].to_numpy()
            lo = k - s["plausible_lo"].to_numpy() * n
            hi = s["plausible_hi"].to_numpy() * n - k
            ax.errorbar(x, k, yerr=[lo, hi], fmt="none", ecolor="black", capsize=3, lw=1, label="95% Wilson CI")
        if reference is not None:
            label, value = reference
            ax.axhline(value, ls="--", color="0.3", lw=1, label=label)
        ax.set_ylim(
            0, max([int(summary["bugs"].max()) if len(summary) else 1] + ([reference[1]] if reference else [])) * 1.05
        )
        ax.set_ylabel("bugs")
        ax.set_xlabel("model")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        return save_figure(fig, path)


def fig_loss(loss_rows: pd.DataFrame | Iterable[Mapping[str, Any]], path: str | Path) -> list[Path]:
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
            ax.text(
                0.5, 0.5, "no fine-tuning runs in this configuration", ha="center", va="center", transform=ax.transAxes
            )
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            df = df.sort_values(["recipe", "split", "step"])
            sns.lineplot(
                data=df,
                x="step",
                y="loss",
                hue="recipe",
                style="split",
                style_order=["train", "eval"],
                hue_order=sorted(df["recipe"].unique()),
                markers=False,
                errorbar=None,
                ax=ax,
            )
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        ax.set_xlabel("optimiser step")
        ax.set_ylabel("loss (output tokens)")
        return save_figure(fig, path)
