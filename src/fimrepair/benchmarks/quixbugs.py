"""QuixBugs, Java half (GitHub jkoppel/QuixBugs): 40 programs with a one-line bug each.

Layout::

    <root>/java_programs/<NAME>.java                 package java_programs (buggy)
    <root>/correct_java_programs/<NAME>.java         package correct_java_programs (fixed)
    <root>/java_testcases/junit/<NAME>_TEST.java     JUnit 4, calls java_programs.<NAME>
    <root>/java_programs/{Node,WeightedEdge}.java    helper classes (not bugs)
    <root>/java_testcases/junit/QuixFixOracleHelper.java

The buggy method is the one method whose text differs between the two versions; the fix is
spliced into the buggy class (package ``java_programs``), as a candidate is. The helpers are
support classes on the class path. Its ``build.gradle`` declares no Java level (the pipeline
then compiles at the installed JDK's level unless configured). Its tests carry
``@Test(timeout = 3000)``; several buggy programs loop forever on some inputs.
"""

from __future__ import annotations

from pathlib import Path

from fimrepair.benchmarks.base import Benchmark, level_from_build
from fimrepair.bugs import BenchmarkError, Bug, extract_files_bug

BUGGY_DIR = Path("java_programs")
CORRECT_DIR = Path("correct_java_programs")
TEST_DIR = Path("java_testcases/junit")
HELPERS = ("Node", "WeightedEdge")
TEST_HELPERS = ("QuixFixOracleHelper",)


class QuixBugs(Benchmark):
    kind = "quixbugs"
    repo = "jkoppel/QuixBugs"
    commit = "4257f44b0ff1181dedaedee6a447e133219fcebf"
    test_timeout_ms = 3000
    #: KNAPSACK's fix fills a (items + 1) x (capacity + 1) int table: about 650 MB in one test.
    heap_mb = 1536

    def check_root(self) -> None:
        if not self.root.is_dir():
            raise BenchmarkError(f"benchmark root {self.root} does not exist or is not a directory")
        for sub in (BUGGY_DIR, CORRECT_DIR, TEST_DIR):
            if not (self.root / sub).is_dir():
                raise BenchmarkError(f"benchmark root {self.root} lacks {sub}/ (not a QuixBugs Java layout)")

    def bug_ids(self) -> list[str]:
        self.check_root()
        return sorted(
            p.stem
            for p in (self.root / BUGGY_DIR).glob("*.java")
            if p.stem not in HELPERS and (self.root / CORRECT_DIR / p.name).is_file()
        )

    def extract_bug(self, bug_id: str, *, remove_blank_lines: bool = False) -> Bug:
        return extract_files_bug(
            self.root,
            bug_id,
            self.name,
            buggy=BUGGY_DIR / f"{bug_id}.java",
            correct=CORRECT_DIR / f"{bug_id}.java",
            test=TEST_DIR / f"{bug_id}_TEST.java",
            test_class=f"java_testcases.junit.{bug_id}_TEST",
            remove_blank_lines=remove_blank_lines,
        )

    def support_sources(self) -> dict[str, str]:
        rels = [BUGGY_DIR / f"{n}.java" for n in HELPERS] + [TEST_DIR / f"{n}.java" for n in TEST_HELPERS]
        missing = [str(r) for r in rels if not (self.root / r).is_file()]
        if missing:
            raise BenchmarkError(f"benchmark root {self.root} lacks {', '.join(missing)}")
        return {str(r): (self.root / r).read_text(encoding="utf-8") for r in rels}

    def declared_java_level(self) -> int | None:
        return level_from_build(self.root)
