"""Is the QuixBugs oracle plausible every time, also on a loaded machine?

Validates the developer fix of every QuixBugs program (40) with the validation engine as the
pipeline configures it (the benchmark's heap, support classes, Java level and per-test limit),
``--runs`` times in a row (a new engine and no verdict cache each time), while ``--hogs`` other
processes spin on the CPU. A test's limit is measured in its own CPU time (plus GC time), so load
must not turn a correct program into a timeout. The LAST line printed is one JSON object::

    {"runs", "hogs", "workers", "plausible_per_run", "all_plausible", "not_plausible",
     "seconds_per_run", "seconds", "engine_stats", "load_avg", "cpus"}

``not_plausible`` lists every (run, bug, status, failing test, message) that was not
plausible. Exit status 1 unless every run was 40/40. Usage::

    python bench/quixbugs_stability.py [--root DIR] [--runs 10] [--hogs 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO.parent / "shared" / "quixbugs-java"
HOG = "while True: pass"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--hogs", type=int, default=2, help="CPU-spinning processes running meanwhile")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--per-candidate-timeout", type=float, default=120)
    args = ap.parse_args(argv)

    from fimrepair.benchmarks import open_benchmark
    from fimrepair.validate import Engine, validate_candidates

    bench = open_benchmark("quixbugs", args.root)
    bugs = bench.extract_bugs()
    rows = [
        {
            "model": "oracle",
            "benchmark": b.benchmark,
            "bug_id": b.bug_id,
            "candidates": [{"rank": 0, "function": b.fixed_function}],
        }
        for b in bugs
    ]
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(args.hogs)]
    per_run: list[int] = []
    seconds: list[float] = []
    failures: list[dict[str, object]] = []
    stats: dict[str, int] = {}
    load0 = os.getloadavg()
    t_all = time.monotonic()
    try:
        for run in range(args.runs):
            t0 = time.monotonic()
            with Engine(
                args.root,
                workers=args.workers,
                per_candidate_timeout_s=args.per_candidate_timeout,
                java_level=bench.java_level("declared"),
                heap_mb=bench.heap_mb,
                support_sources=bench.support_sources(),
                default_test_timeout_ms=bench.test_timeout_ms,
            ) as engine:
                out = validate_candidates(bugs, rows, engine, workers=args.workers, progress=False)
                for k, v in engine.stats.items():
                    stats[k] = stats.get(k, 0) + v
            seconds.append(round(time.monotonic() - t0, 1))
            ok = [r for r in out if r["status"] == "plausible"]
            per_run.append(len(ok))
            for r in out:
                if r["status"] != "plausible":
                    failures.append(
                        {k: r[k] for k in ("bug_id", "status", "failing_test", "message", "test_s")} | {"run": run}
                    )
            print(f"run {run + 1}/{args.runs}: {len(ok)}/{len(out)} plausible in {seconds[-1]} s", file=sys.stderr)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    result = {
        "runs": args.runs,
        "hogs": args.hogs,
        "workers": args.workers,
        "bugs": len(bugs),
        "plausible_per_run": per_run,
        "all_plausible": all(n == len(bugs) for n in per_run),
        "not_plausible": failures,
        "seconds_per_run": seconds,
        "seconds": round(time.monotonic() - t_all, 1),
        "engine_stats": stats,
        "load_avg": {"start": [round(x, 2) for x in load0], "end": [round(x, 2) for x in os.getloadavg()]},
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result))
    return 0 if result["all_plausible"] else 1


if __name__ == "__main__":
    sys.exit(main())
