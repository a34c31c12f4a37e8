"""Stage 7, validation (workflow/rules/validate.smk): each candidate compiled and run against its
bug's tests in the sandbox.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("fimrepair")


def validate(
    bugs_jsonl: str | Path,
    candidates_jsonl: str | Path,
    benchmark_root: str | Path,
    out: str | Path,
    *,
    per_candidate_timeout_s: float,
    compile_grace_s: float,
    workers: int,
    out_timings: str | Path | None = None,
    cache_dir: str | Path | None = None,
    engine: str = "engine",
    kind: str = "humaneval-java",
    java_level: int | str | None = "declared",
) -> None:
    """Verdicts of every candidate (:func:`fimrepair.validate.run.validate_file`, the code
    ``fimrepair validate`` runs): the persistent sandboxed engine (``engine="fresh"``: a fresh
    javac + java per candidate), deduplicated, with the on-disk verdict cache ``cache_dir`` (a
    killed run resumes without validating anything twice). The benchmark of ``kind`` gives the
    support classes, the heap and (``java_level`` = ``"declared"``) the Java level.

    ``out`` gets the verdicts without the measured times (the same bytes on every run from
    scratch: :func:`fimrepair.validate.run.split_timings`), ``out_timings`` (TSV) the times
    (None: ``out`` keeps them)."""
    from fimrepair.validate.run import validate_file

    validate_file(
        candidates_jsonl,
        benchmark_root,
        out,
        bugs=bugs_jsonl,
        kind=kind,
        java_level=java_level,
        engine=engine,
        per_candidate_timeout_s=per_candidate_timeout_s,
        compile_grace_s=compile_grace_s,
        workers=workers,
        cache_dir=cache_dir,
        out_timings=out_timings,
    )
