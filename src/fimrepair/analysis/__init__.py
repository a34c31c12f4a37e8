"""Analysis of validated repair candidates: per-model summaries, paired tests, figures, tables.

Four modules by concern: :mod:`~fimrepair.analysis.statistics` (frames, summaries, tests,
the reference check), :mod:`~fimrepair.analysis.effects` (per-bug outcomes, plausible@k, paired
differences over bugs and seeds, minimum detectable differences),
:mod:`~fimrepair.analysis.figures` and :mod:`~fimrepair.analysis.tables` (LaTeX); their public
names are importable from here.

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
  ran the tests; ``rejected``, a candidate the bytecode policy refused to run, compiled and is
  never plausible).
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

from fimrepair.analysis.effects import (
    AT_K,
    PER_BUG_COLUMNS,
    at_k,
    fixed_matrix,
    label_runs,
    mcnemar_power,
    min_detectable_difference,
    paired_bootstrap,
    paired_differences,
    per_bug,
    run_label,
    runs,
    runs_of,
    same_seed_pairs,
    seed_spread,
    two_way_bootstrap,
    with_pairwise_p,
    with_seed,
)
from fimrepair.analysis.figures import (
    fig_fixed,
    fig_loss,
    fig_outcomes,
    save_figure,
)
from fimrepair.analysis.statistics import (
    COMPILED_STATUSES,
    FUNNEL_COLUMNS,
    LOSS_COLUMNS,
    METRICS,
    STATUSES,
    VERDICT_COLUMNS,
    Z_95,
    AnalysisError,
    ReferenceCheckError,
    check_references,
    fixed_bugs,
    funnel_frame,
    holm,
    loss_frame,
    mcnemar_exact,
    pairwise,
    summarise,
    verdicts_frame,
    wilson_interval,
)
from fimrepair.analysis.tables import (
    PUBLISHED_COLUMNS,
    fmt_int,
    fmt_p,
    java_level_text,
    latex_escape,
    table_at_k,
    table_benchmark,
    table_effects,
    table_funnel,
    table_pairwise,
    table_published,
    table_recipes,
    table_reproduction,
    table_results,
    text_benchmarks,
    text_skipped,
)
from fimrepair.config import REFERENCE_MODELS

__all__ = [
    "AT_K",
    "PER_BUG_COLUMNS",
    "at_k",
    "fixed_matrix",
    "label_runs",
    "mcnemar_power",
    "run_label",
    "runs",
    "runs_of",
    "same_seed_pairs",
    "with_pairwise_p",
    "min_detectable_difference",
    "paired_bootstrap",
    "paired_differences",
    "per_bug",
    "seed_spread",
    "two_way_bootstrap",
    "with_seed",
    "table_at_k",
    "table_effects",
    "AnalysisError",
    "COMPILED_STATUSES",
    "FUNNEL_COLUMNS",
    "LOSS_COLUMNS",
    "METRICS",
    "PUBLISHED_COLUMNS",
    "REFERENCE_MODELS",
    "ReferenceCheckError",
    "STATUSES",
    "VERDICT_COLUMNS",
    "Z_95",
    "check_references",
    "fig_fixed",
    "fig_loss",
    "fig_outcomes",
    "fixed_bugs",
    "fmt_int",
    "fmt_p",
    "funnel_frame",
    "holm",
    "java_level_text",
    "latex_escape",
    "loss_frame",
    "mcnemar_exact",
    "pairwise",
    "save_figure",
    "summarise",
    "table_benchmark",
    "table_funnel",
    "table_pairwise",
    "table_published",
    "table_recipes",
    "table_reproduction",
    "table_results",
    "text_benchmarks",
    "text_skipped",
    "verdicts_frame",
    "wilson_interval",
]
