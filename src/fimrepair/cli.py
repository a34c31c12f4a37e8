"""``fimrepair`` command line. ``fimrepair validate`` re-scores any candidates file.

Candidates file (JSON lines, one row per (model, bug))::

    {"bug_id": "ADD", "candidates": [{"rank": 0, "function": "public static int add(...) {...}"}, ...],
     "model": "my-tool", "benchmark": "humaneval-java"}

``model`` defaults to the file's stem, ``benchmark`` to the benchmark name (``--benchmark-name``
or the bugs file's), ``rank`` to the candidate's position; ``function`` is the complete
replacement of the buggy method (signature included). A candidate may also be given as a bare
string. Output: one verdict row per candidate (columns of
:data:`fimrepair.validate.VERDICT_COLUMNS`), JSON lines sorted by (bug_id, rank, model).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from fimrepair.config import ValidationSpec

log = logging.getLogger("fimrepair.cli")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [row for _, row in _read_jsonl_lines(path)]


def _read_jsonl_lines(path: Path) -> list[tuple[int, Any]]:
    """(line number, value) of each non-blank line of a JSON-lines file."""
    rows = []
    with path.open("r", encoding="utf-8", errors="surrogateescape") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append((n, json.loads(line)))
            except ValueError as exc:
                raise SystemExit(f"fimrepair validate: {path}:{n}: not a JSON object: {exc}") from None
    return rows


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def normalise_rows(
    raw: list[Any], default_model: str, benchmark: str, where: str = "candidates", lines: list[int] | None = None
) -> list[dict[str, Any]]:
    """Candidate rows in the pipeline's form (see the module doc). Bad input is a ValueError
    naming ``where`` (the file), the line (``lines[i]``, default: the row's position) and the
    field: a row that is not an object, a ``bug_id`` that is not a non-empty string, a
    ``model``/``benchmark`` that is not a string, ``candidates`` that is not a list, a candidate
    without a string (or null: an empty candidate) ``function``, a ``rank`` that is not an
    integer, and a (model, benchmark, bug, rank) given twice (naming both lines). A bug with an
    empty candidate list stays a row (the summary counts it as not fixed)."""
    rows = []
    seen: dict[tuple[str, str, str, int], int] = {}
    for i, row in enumerate(raw):
        at = f"{where}:{lines[i]}" if lines is not None else f"{where} row {i + 1}"
        if not isinstance(row, dict):
            raise ValueError(f"{at}: expected a JSON object, got {_kind(row)}")
        if not isinstance(row.get("bug_id"), str) or not row["bug_id"]:
            raise ValueError(f"{at}: field 'bug_id' must be a non-empty string, got {_kind(row.get('bug_id'))}")
        for field in ("model", "benchmark"):
            if row.get(field) is not None and not isinstance(row[field], str):
                raise ValueError(f"{at}: field {field!r} must be a string, got {_kind(row[field])}")
        if not isinstance(row.get("candidates"), list):
            raise ValueError(
                f"{at} (bug {row['bug_id']}): field 'candidates' must be a list, got {_kind(row.get('candidates'))}"
            )
        model = row.get("model") or default_model
        bench_name = row.get("benchmark") or benchmark
        cands = []
        for j, c in enumerate(row["candidates"]):
            if isinstance(c, str):
                c = {"function": c}
            what = f"{at} (bug {row['bug_id']}): candidate {j}"
            if not isinstance(c, dict) or "function" not in c:
                raise ValueError(f"{what} lacks 'function'")
            if c["function"] is not None and not isinstance(c["function"], str):
                raise ValueError(f"{what}: field 'function' must be a string, got {_kind(c['function'])}")
            rank = c.get("rank", j)
            if not isinstance(rank, int) or isinstance(rank, bool):
                raise ValueError(f"{what}: field 'rank' must be an integer, got {_kind(rank)}")
            key = (model, bench_name, row["bug_id"], rank)
            if key in seen:
                raise ValueError(
                    f"{what}: model {model!r} bug {row['bug_id']} rank {rank} is given twice "
                    f"(also at {where}:{seen[key]}): which verdict would count?"
                )
            seen[key] = lines[i] if lines is not None else i + 1
            cands.append({**c, "rank": rank, "function": c["function"] if c["function"] is not None else ""})
        if not cands:
            log.warning("%s: bug %s of model %s has no candidates: counted as not fixed", at, row["bug_id"], model)
        rows.append({**row, "model": model, "benchmark": bench_name, "candidates": cands})
    return rows


def java_level_arg(text: str) -> int | str | None:
    """``declared`` (the benchmark's build), ``jdk`` (the installed JDK's own) or a number."""
    if text == "declared":
        return "declared"
    if text == "jdk":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--java-level: 'declared', 'jdk' or a number, not {text!r}") from None


def validate_main(args: argparse.Namespace) -> int:
    from fimrepair.benchmark import Bug
    from fimrepair.benchmarks import open_benchmark
    from fimrepair.validate import Engine, FreshValidator, VerdictCache, summarise, validate_candidates

    root = Path(args.benchmark_root)
    bench = open_benchmark(args.benchmark_kind, root, args.benchmark_name)
    level = bench.java_level(args.java_level)
    if args.bugs:
        bugs = [Bug.from_dict(r) for r in _read_jsonl(Path(args.bugs))]
        benchmark = args.benchmark_name or (bugs[0].benchmark if bugs else bench.name)
    else:
        benchmark = bench.name
        bugs = bench.extract_bugs()
    candidates = Path(args.candidates)
    numbered = _read_jsonl_lines(candidates)
    rows = normalise_rows(
        [r for _, r in numbered], candidates.stem, benchmark, where=str(candidates), lines=[n for n, _ in numbered]
    )
    wanted = {r["bug_id"] for r in rows}
    bugs = [b for b in bugs if b.bug_id in wanted]
    cache = VerdictCache(args.cache) if args.cache else None
    stats: dict[str, int] = {}
    if args.engine == "fresh":
        validator: Any = FreshValidator(
            root,
            per_candidate_timeout_s=args.per_candidate_timeout,
            java_level=level,
            support_sources=bench.support_sources(),
            sandbox=args.sandbox,
            default_test_timeout_ms=bench.test_timeout_ms,
        )
        out = validate_candidates(
            bugs, rows, validator, workers=args.workers, progress=not args.quiet, cache=cache, stats=stats
        )
    else:
        with Engine(
            root,
            workers=args.workers,
            per_candidate_timeout_s=args.per_candidate_timeout,
            sandbox=args.sandbox,
            java_level=level,
            heap_mb=bench.heap_mb,
            support_sources=bench.support_sources(),
            default_test_timeout_ms=bench.test_timeout_ms,
        ) as engine:
            out = validate_candidates(
                bugs, rows, engine, workers=args.workers, progress=not args.quiet, cache=cache, stats=stats
            )
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for r in out:
            fh.write(json.dumps(r, ensure_ascii=True) + "\n")
    tmp.replace(out_path)
    summary = summarise(out, rows)
    levels = sorted({str(r.get("sandbox")) for r in out})
    print(
        f"fimrepair validate: sandbox {', '.join(levels) or 'none used'}; {len(out)} candidates ({stats.get('tasks', 0)} distinct: {stats.get('cached', 0)} cached, "
        f"{stats.get('validated', 0)} validated); Java level {level if level is not None else 'of the JDK'}; plausible bugs {sum(s['plausible'] for s in summary)}/{len(summary)}; "
        f"-> {out_path}",
        file=sys.stderr,
    )
    return 0


def convert_main(args: argparse.Namespace) -> int:
    from fimrepair.published import convert

    src = Path(args.input)
    rows = convert(_read_jsonl(src), args.system or src.stem, args.benchmark_name, where=str(src))
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=True) + "\n")
    print(
        f"fimrepair convert-published: {len(rows)} bugs, {sum(len(r['candidates']) for r in rows)} candidates -> {out_path}",
        file=sys.stderr,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="fimrepair", description="fimrepair command line")
    sub = ap.add_subparsers(dest="command", required=True)
    v = sub.add_parser(
        "validate",
        help="validate a candidates file (JSONL) against a benchmark root",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("--benchmark-root", required=True, help="benchmark in the HumanEval-Java layout")
    v.add_argument("--candidates", required=True, help="candidates JSONL (one row per model and bug)")
    v.add_argument("--out", required=True, help="verdicts JSONL to write")
    src = v.add_mutually_exclusive_group()
    src.add_argument("--bugs", help="bugs.jsonl of the pipeline (default: extract the bugs from the benchmark root)")
    v.add_argument("--benchmark-name", default=None, help="benchmark name of the rows (default: the kind)")
    v.add_argument(
        "--benchmark-kind",
        default="humaneval-java",
        choices=("humaneval-java", "quixbugs"),
        help="layout of the benchmark root",
    )
    v.add_argument(
        "--java-level",
        type=java_level_arg,
        default="declared",
        help="javac --release of the candidates: declared (the benchmark's build; HumanEval-Java 8), jdk (the installed JDK's own) or a number",
    )
    v.add_argument("--workers", type=int, default=2)
    v.add_argument("--cache", default=None, help="verdict cache directory (reruns and resumed runs reuse it)")
    v.add_argument(
        "--engine",
        choices=("engine", "fresh"),
        default="engine",
        help="persistent workers (default) or fresh javac+java per candidate",
    )
    v.add_argument(
        "--per-candidate-timeout",
        type=float,
        default=ValidationSpec().per_candidate_timeout_s,
        help="seconds (default: the workflow's, %(default)s)",
    )
    v.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "namespaces", "net", "none"),
        default="auto",
        help="containment of the JVMs running candidates: auto (bubblewrap where it runs, else a weaker "
        "fallback, with a warning; the level is in every verdict row's 'sandbox'), or one level "
        "(docs/threat-model.md)",
    )
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=validate_main)
    c = sub.add_parser(
        "convert-published",
        help="a published patch file (RepairLLaMA / elle-elle-aime evaluation JSONL) to a candidates file",
    )
    c.add_argument(
        "--input", required=True, help="published evaluation JSONL (one row per bug: identifier, evaluation)"
    )
    c.add_argument(
        "--out",
        required=True,
        help="candidates JSONL to write (the authors' verdicts kept per candidate under 'published')",
    )
    c.add_argument("--system", default=None, help="model name of the rows (default: the input's stem)")
    c.add_argument("--benchmark-name", default="humaneval-java", help="benchmark name of the rows")
    c.set_defaults(func=convert_main)
    return ap


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, FileNotFoundError) as exc:
        print(f"fimrepair {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
