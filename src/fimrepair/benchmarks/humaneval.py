"""HumanEval-Java (GitHub ASSERT-KTH/human-eval-java): the layout is read by
:mod:`fimrepair.bugs`; this module puts it behind :class:`~fimrepair.benchmarks.Benchmark`.
The project's tiny benchmark has the same layout (without a ``pom.xml``: no declared level)."""

from __future__ import annotations

from collections.abc import Iterable

from fimrepair import bugs as layout
from fimrepair.benchmarks.base import Benchmark, level_from_build
from fimrepair.bugs import Bug


class HumanEvalJava(Benchmark):
    kind = "humaneval-java"
    repo = "ASSERT-KTH/human-eval-java"
    commit = "c01484f754b0b0fd4869b0f923f0d55d39ebd861"
    test_timeout_ms = 3000

    def check_root(self) -> None:
        layout.check_root(self.root)

    def bug_ids(self) -> list[str]:
        return layout.bug_ids(self.root)

    def extract_bug(self, bug_id: str, *, remove_blank_lines: bool = False) -> Bug:
        return layout.extract_bug(self.root, bug_id, self.name, remove_blank_lines=remove_blank_lines)

    def declared_java_level(self) -> int | None:
        """``pom.xml``: ``maven.compiler.source`` 1.8, i.e. 8."""
        return level_from_build(self.root)

    def crosscheck(self, bugs: Iterable[Bug]) -> list[dict[str, str]]:
        return layout.crosscheck(self.root, bugs)
