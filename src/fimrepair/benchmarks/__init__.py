"""Benchmarks behind one small interface.

A benchmark kind is a subclass of :class:`Benchmark` (one module each) that knows, for a
checkout at ``root``: its bugs, each bug's buggy and fixed method and region (a
:class:`~fimrepair.bugs.Bug`, whose record also names the test class and its source),
the classes every bug and test needs on the class path besides the bug's own
(:meth:`Benchmark.support_sources`), the Java level its build declares
(:meth:`Benchmark.declared_java_level`), its test timeouts, and where it is published (a GitHub
repository at a pinned commit). Everything downstream (prompts, generation, the validation
engine, the analysis) sees only bug records and these few methods.

Adding a benchmark = one module with a subclass, registered in :data:`KINDS` (see docs/benchmarks.md,
"Adding a benchmark").
"""

from __future__ import annotations

from pathlib import Path

from fimrepair.benchmarks.base import Benchmark
from fimrepair.bugs import BenchmarkError

__all__ = ["Benchmark", "kinds", "open_benchmark"]


def kinds() -> dict[str, type[Benchmark]]:
    """Every benchmark kind by name."""
    from fimrepair.benchmarks.humaneval import HumanEvalJava
    from fimrepair.benchmarks.quixbugs import QuixBugs

    return {k.kind: k for k in (HumanEvalJava, QuixBugs)}


def open_benchmark(kind: str, root: str | Path, name: str | None = None) -> Benchmark:
    """The benchmark of ``kind`` at ``root``; an unknown kind is an error naming the known ones."""
    known = kinds()
    if kind not in known:
        raise BenchmarkError(f"unknown benchmark kind {kind!r} (known: {', '.join(sorted(known))})")
    return known[kind](root, name)
