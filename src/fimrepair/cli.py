"""``fimrepair`` command line. ``fimrepair validate`` re-scores any candidates file (the code the
workflow's validate stage runs: :func:`fimrepair.validate.run.validate_file`).

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
import logging
import sys
from pathlib import Path

from fimrepair.config import ValidationSpec


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
    from fimrepair.validate import summarise, validate_file

    run = validate_file(
        args.candidates,
        args.benchmark_root,
        args.out,
        bugs=args.bugs,
        kind=args.benchmark_kind,
        benchmark_name=args.benchmark_name,
        java_level=args.java_level,
        engine=args.engine,
        sandbox=args.sandbox,
        per_candidate_timeout_s=args.per_candidate_timeout,
        compile_grace_s=args.compile_grace,
        workers=args.workers,
        cache_dir=args.cache,
        progress=not args.quiet,
    )
    out, stats, level = run.verdicts, run.stats, run.java_level
    summary = summarise(out, run.rows)
    levels = sorted({str(r.get("sandbox")) for r in out})
    print(
        f"fimrepair validate: sandbox {', '.join(levels) or 'none used'}; {len(out)} candidates ({stats.get('tasks', 0)} distinct: {stats.get('cached', 0)} cached, "
        f"{stats.get('validated', 0)} validated); Java level {level if level is not None else 'of the JDK'}; plausible bugs {sum(s['plausible'] for s in summary)}/{len(summary)}; "
        f"-> {args.out}",
        file=sys.stderr,
    )
    return 0


def convert_main(args: argparse.Namespace) -> int:
    from fimrepair.io import read_jsonl, write_jsonl
    from fimrepair.published import convert

    src = Path(args.input)
    rows = convert(
        read_jsonl(src, errors="surrogateescape"), args.system or src.stem, args.benchmark_name, where=str(src)
    )
    write_jsonl(args.out, rows)
    print(
        f"fimrepair convert-published: {len(rows)} bugs, {sum(len(r['candidates']) for r in rows)} candidates -> {args.out}",
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
        "--compile-grace",
        type=float,
        default=ValidationSpec().compile_grace_s,
        help="seconds a candidate's compilation and JVM start-up may add to its limit (default: the workflow's, %(default)s)",
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
