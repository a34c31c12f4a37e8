"""Validate candidates: :func:`validate_file`, the one way in for the workflow's validate stage and
``fimrepair validate`` (a candidates file and a benchmark root to a verdicts file), and
:func:`validate_candidates` under it (dedup, result cache, parallel validation on one shared
queue, grading)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, MutableMapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from fimrepair.benchmarks import open_benchmark
from fimrepair.bugs import Bug
from fimrepair.io import read_jsonl, write_jsonl, write_tsv
from fimrepair.javasrc import normalize
from fimrepair.validate.cache import VerdictCache, bug_version, cache_key, rounded
from fimrepair.validate.candidates import read_candidates
from fimrepair.validate.engine import Engine
from fimrepair.validate.fresh import FreshValidator
from fimrepair.validate.grading import ast_match, exact_match, graded_function
from fimrepair.validate.verdict import Status, Validator, Verdict

VERDICT_COLUMNS = (
    "model",
    "benchmark",
    "bug_id",
    "rank",
    "status",
    "failing_test",
    "message",
    "compile_s",
    "test_s",
    "exact_match",
    "ast_match",
    "duplicate_of",
)
#: Recorded in every verdict row besides :data:`VERDICT_COLUMNS`: the sandbox level that decided
#: it (``bwrap``, or a weaker fallback; see :mod:`fimrepair.validate.sandbox`). Not required
#: of verdict files read by the analysis (files written before it existed lack it).
METADATA_COLUMNS = ("sandbox",)

#: The measured part of a verdict row: kept apart from the verdict itself in the pipeline's
#: files (:func:`split_timings`), since it differs on every run while the verdict does not.
MEASURED_COLUMNS = ("compile_s", "test_s")
#: The columns of the pipeline's verdict files: :data:`VERDICT_COLUMNS` without the measured ones.
VERDICT_FILE_COLUMNS = tuple(c for c in VERDICT_COLUMNS if c not in MEASURED_COLUMNS)
TIMING_COLUMNS = ("model", "benchmark", "bug_id", "rank", *MEASURED_COLUMNS)
#: The validators of :func:`validate_file`: persistent workers, or a fresh javac + java per candidate.
ENGINES = ("engine", "fresh")

log = logging.getLogger(__name__)


def split_timings(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Verdict rows (of :func:`validate_candidates`) split into the verdicts without the measured
    times, which are a function of the candidates, the benchmark and the validator settings
    alone (a rerun from scratch gives the same bytes), and the times (:data:`TIMING_COLUMNS`)."""
    return [{k: v for k, v in r.items() if k not in MEASURED_COLUMNS} for r in rows], [
        {k: r[k] for k in TIMING_COLUMNS} for r in rows
    ]


def _text(function: str) -> str:
    """``function`` with lone surrogates (undecodable input bytes) spelled as ``\\udcXX``, so
    the tree-sitter helpers (UTF-8) can read it and distinct inputs stay distinct."""
    return function.encode("utf-8", "backslashreplace").decode("utf-8")


def _index_bugs(bugs: Iterable[Bug]) -> dict[tuple[str, str], Bug]:
    index: dict[tuple[str, str], Bug] = {}
    for bug in bugs:
        key = (bug.benchmark, bug.bug_id)
        if key in index:
            raise ValueError(f"bug {bug.bug_id} of benchmark {bug.benchmark} is given twice")
        index[key] = bug
    return index


def validate_candidates(
    bugs: list[Bug],
    rows: list[dict[str, Any]],
    validator: Validator,
    workers: int,
    progress: bool = True,
    cache: VerdictCache | None = None,
    benchmark_root: Path | None = None,
    stats: MutableMapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """One verdict row per candidate (columns :data:`VERDICT_COLUMNS` and
    :data:`METADATA_COLUMNS`), sorted by
    (bug_id, rank, model).

    ``rows`` hold one entry per (model, bug): ``{"model", "benchmark", "bug_id", "candidates":
    [{"rank", "function", ...}]}``. Candidates of the same bug whose :func:`normalize` forms are
    equal are validated once (also across models); within one row, a repeat gets
    ``duplicate_of`` = the rank of its first occurrence (else None) and that verdict.
    ``workers`` threads take tasks from ONE shared queue (each task runs its own processes).
    A row naming a bug that is not in ``bugs`` is a ValueError naming the bug and the model, as
    are a ``rank`` that is not an integer, a ``function`` that is neither a string nor null, and a
    (model, benchmark, bug, rank) given twice (two verdicts for one candidate); an exception
    raised by the validator propagates (it is a harness fault, not a verdict).

    With ``cache`` (a :class:`~fimrepair.validate.cache.VerdictCache`), a task whose key
    (benchmark version of the bug under ``benchmark_root`` -- default: the validator's
    ``benchmark_root`` --, bug id, normalised candidate, the validator's ``verdict_settings()``;
    see :mod:`fimrepair.validate.cache`) is stored is not validated again, and
    every new verdict is stored the moment it is decided: a killed run resumes where it stopped
    and its final rows equal those of an uninterrupted run (timings come from the stored
    record). ``stats`` (if given) receives ``tasks``, ``cached`` and ``validated`` counts.
    Timings are rounded to :data:`~fimrepair.validate.cache.TIME_DIGITS` decimals. ``sandbox``:
    the validator's ``sandbox_level`` (``bwrap``, or the fallback that ran; None for validators
    without one).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    index = _index_bugs(bugs)

    # Plan: one task per distinct (benchmark, bug, normalised function).
    tasks: dict[tuple[str, str, str], tuple[Bug, str]] = {}
    planned: list[tuple[dict[str, Any], Bug, int, str, tuple[str, str, str], int | None]] = []
    ranks_seen: set[tuple[Any, str, str, int]] = set()
    for row in rows:
        model = row.get("model")
        key = (row.get("benchmark"), row.get("bug_id"))
        bug = index.get(key)  # type: ignore[arg-type]
        if bug is None:
            raise ValueError(
                f"candidate row of model {model!r} names bug {key[1]!r} of benchmark {key[0]!r}, "
                f"which is not among the {len(index)} bugs to validate"
            )
        first_rank: dict[str, int] = {}
        for cand in row.get("candidates", []):
            if "rank" not in cand or "function" not in cand:
                raise ValueError(
                    f"candidate of model {model!r} for bug {bug.bug_id} lacks 'rank' or 'function': {sorted(cand)}"
                )
            rank, function = cand["rank"], cand["function"]
            where = f"candidate rank {rank!r} of model {model!r} for bug {bug.bug_id}"
            if not isinstance(rank, int) or isinstance(rank, bool):
                raise ValueError(f"{where}: 'rank' must be an integer, got {type(rank).__name__}")
            if function is not None and not isinstance(function, str):
                raise ValueError(f"{where}: 'function' must be a string or null, got {type(function).__name__}")
            if (model, bug.benchmark, bug.bug_id, rank) in ranks_seen:
                raise ValueError(f"{where} is given twice: which verdict would count?")
            ranks_seen.add((model, bug.benchmark, bug.bug_id, rank))
            function = function if function is not None else ""
            norm = normalize(_text(function))
            dup = first_rank.get(norm)
            if dup is None:
                first_rank[norm] = rank
            task_key = (bug.benchmark, bug.bug_id, norm)
            tasks.setdefault(task_key, (bug, function))
            planned.append((row, bug, rank, function, task_key, dup))

    verdicts: dict[tuple[str, str, str], Verdict] = {}
    keys: dict[tuple[str, str, str], str] = {}
    if cache is not None:
        root = benchmark_root if benchmark_root is not None else getattr(validator, "benchmark_root", None)
        if root is None:
            raise ValueError("validate_candidates: a cache needs benchmark_root (the validator has none)")
        if not callable(getattr(validator, "verdict_settings", None)):
            raise ValueError(
                f"validate_candidates: a cache needs the validator's verdict_settings() ({type(validator).__name__} has none)"
            )
        settings = validator.verdict_settings()  # type: ignore[attr-defined]
        versions: dict[tuple[str, str], str] = {}
        for task_key, (bug, _fn) in tasks.items():
            vkey = (bug.benchmark, bug.bug_id)
            if vkey not in versions:
                versions[vkey] = bug_version(Path(root), bug)
            keys[task_key] = cache_key(versions[vkey], bug.bug_id, task_key[2], settings)
            hit = cache.get(keys[task_key])
            if hit is not None:
                verdicts[task_key] = hit
    todo = {k: v for k, v in tasks.items() if k not in verdicts}
    if stats is not None:
        stats["tasks"] = len(tasks)
        stats["cached"] = len(tasks) - len(todo)
        stats["validated"] = 0

    # The containment every verdict was decided under (a cached one too: the level is part of
    # the key), recorded in each row: a weaker fallback than bwrap is visible in the results.
    level = getattr(validator, "sandbox_level", None)

    def run_one(task_key: tuple[str, str, str], bug: Bug, fn: str) -> Verdict:
        v = validator.validate(bug, fn)
        if cache is not None:
            return cache.put(
                keys[task_key],
                v,
                {
                    "benchmark": bug.benchmark,
                    "bug_id": bug.bug_id,
                    "engine": type(validator).__name__,
                    "sandbox": level,
                },
            )
        return rounded(v)

    bar = tqdm(total=len(todo), desc="validate", unit="cand", disable=not progress)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="validate") as pool:
            futures = {pool.submit(run_one, key, bug, fn): key for key, (bug, fn) in todo.items()}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for fut in done:
                    key = futures[fut]
                    exc = fut.exception()
                    if exc is not None:
                        for other in pending:
                            other.cancel()
                        raise RuntimeError(f"validator failed on bug {key[1]} of {key[0]}: {exc}") from exc
                    verdicts[key] = fut.result()
                    if stats is not None:
                        stats["validated"] += 1
                    bar.update(1)
    finally:
        bar.close()

    out: list[dict[str, Any]] = []
    grade_cache: dict[tuple[str, str, str], tuple[bool, bool]] = {}
    for row, bug, rank, function, task_key, dup in planned:
        v = verdicts[task_key]
        if task_key not in grade_cache:
            graded = graded_function(bug, _text(function))
            grade_cache[task_key] = (exact_match(graded, bug.fixed_function), ast_match(graded, bug.fixed_function))
        exact, ast = grade_cache[task_key]
        out.append(
            {
                "model": row.get("model"),
                "benchmark": bug.benchmark,
                "bug_id": bug.bug_id,
                "rank": rank,
                **v.to_dict(),
                "exact_match": exact,
                "ast_match": ast,
                "duplicate_of": dup,
                "sandbox": level,
            }
        )
    out.sort(key=lambda r: (r["bug_id"], r["rank"], str(r["model"])))
    return out


def summarise(
    verdict_rows: list[dict[str, Any]], candidate_rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Per (model, benchmark, bug): ``plausible`` (any candidate plausible), ``exact`` (any exact
    match), ``ast`` (any AST match), ``compilable`` (any candidate compiled), ``n_candidates``.
    With ``candidate_rows`` (the rows that were validated), a (model, bug) whose candidate list
    was empty is a row too, with ``n_candidates`` 0 and every metric false: a model that gave
    nothing for a bug has not fixed it, and the bug stays in the denominator. Sorted by
    (model, bug_id)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in verdict_rows:
        groups.setdefault((r["model"], r["benchmark"], r["bug_id"]), []).append(r)
    for row in candidate_rows or []:
        groups.setdefault((row.get("model"), row.get("benchmark"), row.get("bug_id")), [])  # type: ignore[arg-type]
    out = []
    for (model, benchmark, bug_id), rs in groups.items():
        out.append(
            {
                "model": model,
                "benchmark": benchmark,
                "bug_id": bug_id,
                "plausible": any(r["status"] == Status.PLAUSIBLE.value for r in rs),
                "exact": any(bool(r["exact_match"]) for r in rs),
                "ast": any(bool(r["ast_match"]) for r in rs),
                "compilable": any(r["status"] != Status.UNCOMPILABLE.value for r in rs),
                "n_candidates": len(rs),
            }
        )
    out.sort(key=lambda r: (str(r["model"]), r["bug_id"]))
    return out


@dataclass(frozen=True)
class FileValidation:
    """What :func:`validate_file` did: the verdict rows (measured times included), the candidate
    rows they were decided for, the Java level the candidates compiled at (None: the JDK's own)
    and the driver's counts (``tasks``, ``cached``, ``validated``: :func:`validate_candidates`)."""

    verdicts: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    java_level: int | None
    stats: dict[str, int]


def validate_file(
    candidates: str | Path,
    benchmark_root: str | Path,
    out: str | Path,
    *,
    per_candidate_timeout_s: float,
    compile_grace_s: float,
    workers: int,
    bugs: str | Path | None = None,
    kind: str = "humaneval-java",
    benchmark_name: str | None = None,
    java_level: int | str | None = "declared",
    engine: str = "engine",
    sandbox: str = "auto",
    cache_dir: str | Path | None = None,
    out_timings: str | Path | None = None,
    progress: bool = True,
) -> FileValidation:
    """Verdicts of every candidate of the file ``candidates`` (:mod:`fimrepair.validate.candidates`:
    bad input is an error naming the file, line and field) on the benchmark of ``kind`` at
    ``benchmark_root``, written to ``out`` (JSON lines, sorted by bug, rank, model).

    ``bugs``: the pipeline's ``bugs.jsonl`` (None: the bugs extracted from the benchmark root);
    only the bugs the file names are loaded. ``benchmark_name``: the benchmark of rows that name
    none (default: the bugs' benchmark, else the kind). The benchmark gives the support classes,
    the heap, the per-test limit and, for ``java_level="declared"``, the Java level (an integer
    overrides it, None is the JDK's own). ``engine``: ``engine`` (persistent sandboxed workers)
    or ``fresh`` (a fresh javac + java per candidate); ``sandbox``: their containment
    (:mod:`fimrepair.validate.sandbox`). ``cache_dir``: the on-disk verdict cache (a killed run
    resumes without validating anything twice). ``per_candidate_timeout_s`` and
    ``compile_grace_s``: the limits of ``validation`` in the configuration.

    With ``out_timings``, ``out`` gets the verdicts without the measured times (the same bytes on
    every run from scratch: :func:`split_timings`) and ``out_timings`` (TSV) the times; without
    it, each row of ``out`` keeps its times. ``out`` is written atomically
    (:func:`fimrepair.io.write_jsonl`)."""
    if engine not in ENGINES:
        raise ValueError(f"validate: engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    root = Path(benchmark_root)
    bench = open_benchmark(kind, root, benchmark_name)
    level = bench.java_level(java_level)
    log.info("validate: benchmark kind %s, Java level %s", kind, level if level is not None else "of the JDK")
    if bugs is not None:
        bug_list = [Bug.from_dict(row) for row in read_jsonl(bugs)]
        default_benchmark = benchmark_name or (bug_list[0].benchmark if bug_list else bench.name)
    else:
        bug_list = bench.extract_bugs()
        default_benchmark = bench.name
    rows = read_candidates(candidates, default_benchmark)
    wanted = {row["bug_id"] for row in rows}
    bug_list = [b for b in bug_list if b.bug_id in wanted]
    cache = VerdictCache(cache_dir) if cache_dir else None
    stats: dict[str, int] = {}
    # What both validators take from the call and the benchmark.
    settings: dict[str, Any] = {
        "per_candidate_timeout_s": per_candidate_timeout_s,
        "compile_grace_s": compile_grace_s,
        "java_level": level,
        "sandbox": sandbox,
        "support_sources": bench.support_sources(),
        "default_test_timeout_ms": bench.test_timeout_ms,
    }
    if engine == "fresh":
        validator = FreshValidator(root, **settings)
        log.info("validation (fresh processes): sandbox %s", validator.sandbox_level)
        verdicts = validate_candidates(
            bug_list, rows, validator, workers=workers, progress=progress, cache=cache, stats=stats
        )
    else:
        with Engine(root, workers=workers, heap_mb=bench.heap_mb, **settings) as eng:
            verdicts = validate_candidates(
                bug_list, rows, eng, workers=workers, progress=progress, cache=cache, stats=stats
            )
            log.info("validation engine: sandbox %s, %s", eng.sandbox_level, dict(eng.stats))
    log.info("validate: %d candidate rows, %s", len(verdicts), stats)
    if out_timings is not None:
        without, timings = split_timings(verdicts)
        write_jsonl(out, without)
        write_tsv(out_timings, timings, list(TIMING_COLUMNS))
    else:
        write_jsonl(out, verdicts)
    return FileValidation(verdicts, rows, level, stats)
