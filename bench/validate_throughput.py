"""Throughput of the validation engine against the fresh-process baseline, in ONE run.

Default candidate set: the correct (developer fix) and the buggy version of every bug of
../shared/humaneval-java (163 + 163 = 326 candidates). Both engines validate the same set with
the same number of workers and no result cache; the LAST line printed is one JSON object::

    {"n", "workers", "engine_s", "engine_cps", "baseline_s", "baseline_cps", "ratio",
     "verdicts_agree", "disagreements", "engine_plausible", "baseline_plausible",
     "engine_startup_s", "load_avg", "sandbox", ...}

``ratio`` = engine_cps / baseline_cps; ``verdicts_agree`` is true when both engines give the
same plausible / not-plausible verdict for every candidate. The engine's time includes starting
its workers.

Baselines (``--baseline``), both a fresh javac + JVM per candidate on the same worker count:
``junitcore`` (default, the issue's definition and what peers' harnesses amount to): plain
``javac`` and ``java org.junit.runner.JUnitCore`` running every test; ``failfast``: the
project's tuned fresh validator (C1-only javac, a fail-fast runner that stops at the first
failure and halts at once after a JUnit timeout), a much stronger baseline. The engine runs at
the sandbox level ``auto`` picks (bubblewrap where it runs: ``sandbox`` in the output); the
plain junitcore baseline runs unsandboxed, as peers' harnesses do; failfast at ``auto``. Usage::

    python bench/validate_throughput.py [--benchmark-root DIR] [--workers 2] [--bugs N]
                                        [--baseline junitcore|failfast] [--skip-baseline]
                                        [--sandbox auto|bwrap|namespaces|net|none]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO.parent / "shared" / "humaneval-java"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchmark-root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bugs", type=int, default=None, help="only the first N bugs (quick runs)")
    ap.add_argument("--per-candidate-timeout", type=float, default=60)
    ap.add_argument("--skip-baseline", action="store_true", help="engine only (no ratio)")
    ap.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "namespaces", "net", "none"),
        default="auto",
        help="the engine's sandbox level (default auto: bubblewrap where it runs)",
    )
    ap.add_argument(
        "--baseline", choices=("junitcore", "failfast"), default="junitcore", help="which fresh-process baseline"
    )
    args = ap.parse_args(argv)

    root: Path = args.benchmark_root
    if not (root / "src" / "main" / "java").is_dir():
        print(
            f"validate_throughput: benchmark not found at {root} (expected ../shared/humaneval-java beside the "
            "repository, or pass --benchmark-root)",
            file=sys.stderr,
        )
        return 2

    from fimrepair.bugs import extract_bugs
    from fimrepair.validate import Engine, FreshValidator, validate_candidates
    from fimrepair.validate.fresh import JUnitCoreValidator
    from fimrepair.validate.sandbox import describe

    bugs = extract_bugs(root, "humaneval-java")
    if args.bugs is not None:
        bugs = bugs[: args.bugs]
    rows = [
        {"model": model, "benchmark": b.benchmark, "bug_id": b.bug_id, "candidates": [{"rank": 0, "function": fn}]}
        for b in bugs
        for model, fn in (("correct", b.fixed_function), ("buggy", b.buggy_function))
    ]
    n = len(rows)
    result: dict[str, object] = {"n": n, "workers": args.workers, "benchmark_root": str(root)}

    def plausible(out: list[dict]) -> dict[tuple[str, str], bool]:
        return {(r["model"], r["bug_id"]): r["status"] == "plausible" for r in out}

    load0 = os.getloadavg()
    t0 = time.monotonic()
    with Engine(
        root, workers=args.workers, per_candidate_timeout_s=args.per_candidate_timeout, sandbox=args.sandbox
    ) as engine:
        engine.warm_up()
        startup = time.monotonic() - t0
        engine_out = validate_candidates(bugs, rows, engine, workers=args.workers, progress=False)
        engine_s = time.monotonic() - t0
        result["sandbox"] = f"{engine.sandbox_level}: {describe(engine.sandbox_level)}"
        result["engine_stats"] = dict(engine.stats)
    engine_p = plausible(engine_out)
    result.update(
        engine_s=round(engine_s, 2),
        engine_startup_s=round(startup, 2),
        engine_cps=round(n / engine_s, 3),
        engine_plausible={m: sum(v for (mm, _), v in engine_p.items() if mm == m) for m in ("correct", "buggy")},
        engine_statuses=_count(engine_out),
    )
    print(
        f"engine: {n} candidates in {engine_s:.1f} s ({n / engine_s:.2f}/s), statuses {_count(engine_out)}",
        file=sys.stderr,
    )

    if not args.skip_baseline:
        baseline_class = JUnitCoreValidator if args.baseline == "junitcore" else FreshValidator
        # The plain baseline is what peers' harnesses do: no sandbox. The tuned one runs as the
        # project runs it (auto: bubblewrap where it runs).
        level = "none" if args.baseline == "junitcore" else "auto"
        fresh = baseline_class(root, per_candidate_timeout_s=args.per_candidate_timeout, sandbox=level)
        result["baseline_sandbox"] = fresh.sandbox_level
        fresh.runner_dir()
        t0 = time.monotonic()
        base_out = validate_candidates(bugs, rows, fresh, workers=args.workers, progress=False)
        base_s = time.monotonic() - t0
        base_p = plausible(base_out)
        disagree = sorted(f"{m}:{b}" for (m, b), v in engine_p.items() if base_p.get((m, b)) != v)
        result.update(
            baseline=args.baseline,
            baseline_s=round(base_s, 2),
            baseline_cps=round(n / base_s, 3),
            ratio=round((n / engine_s) / (n / base_s), 2),
            verdicts_agree=not disagree,
            disagreements=disagree,
            baseline_plausible={m: sum(v for (mm, _), v in base_p.items() if mm == m) for m in ("correct", "buggy")},
            baseline_statuses=_count(base_out),
        )
        print(f"baseline: {n} candidates in {base_s:.1f} s ({n / base_s:.2f}/s)", file=sys.stderr)
    else:
        result.update(baseline_s=None, baseline_cps=None, ratio=None, verdicts_agree=None)
    load1 = os.getloadavg()
    result["load_avg"] = {"start": [round(x, 2) for x in load0], "end": [round(x, 2) for x in load1]}
    result["cpus"] = os.cpu_count()
    print(json.dumps(result, sort_keys=False))
    return 0


def _count(out: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in out:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    sys.exit(main())
