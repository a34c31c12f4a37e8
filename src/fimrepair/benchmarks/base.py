"""The interface every benchmark kind implements (:class:`Benchmark`), and reading the Java
level a checkout's build declares (:func:`level_from_build`). The kinds' registry is
:mod:`fimrepair.benchmarks`."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from fimrepair.bugs import BenchmarkError, Bug


class Benchmark(ABC):
    """One benchmark checkout (``root``) under the name ``name`` used in records."""

    #: The kind's name in the configuration (``benchmark.kind``).
    kind: ClassVar[str]
    #: Where the pipeline downloads it (GitHub ``owner/name`` at a pinned commit).
    repo: ClassVar[str]
    commit: ClassVar[str]
    #: The per-test JUnit limit its tests declare (``@Test(timeout=...)``), for the paper.
    test_timeout_ms: ClassVar[int | None] = None
    #: Heap of each validation JVM (MB): enough for the developer fix to pass every test.
    heap_mb: ClassVar[int] = 512

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        self.root = Path(root)
        self.name = name or self.kind

    @abstractmethod
    def check_root(self) -> None:
        """Raise :class:`~fimrepair.bugs.BenchmarkError` unless ``root`` has this layout."""

    @abstractmethod
    def bug_ids(self) -> list[str]:
        """Every bug id of the checkout, sorted."""

    @abstractmethod
    def extract_bug(self, bug_id: str, *, remove_blank_lines: bool = False) -> Bug:
        """The record of one bug (buggy and fixed method, region, test class and its source)."""

    def support_sources(self) -> dict[str, str]:
        """Classes the bugs and tests need besides the bug's own class: relative path -> text
        (compiled once onto the validator's class path). None by default."""
        return {}

    def declared_java_level(self) -> int | None:
        """The Java level the benchmark's own build declares (None: it declares none)."""
        return None

    def crosscheck(self, bugs: Iterable[Bug]) -> list[dict[str, str]]:
        """Rows ``{bug_id, check, status, detail}`` comparing the records with the benchmark's
        own metadata, where it has any."""
        return []

    def extract_bugs(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] = (), *, remove_blank_lines: bool = False
    ) -> list[Bug]:
        """Records of the configured subset: ``include`` (None = all) minus ``exclude``; a
        configured id the benchmark lacks is an error naming it."""
        available = self.bug_ids()
        wanted = list(available) if include is None else list(include)
        unknown = sorted(set(wanted) - set(available)) + sorted(set(exclude) - set(available))
        if unknown:
            raise BenchmarkError(f"benchmark {self.name} at {self.root} has no bug(s) {', '.join(unknown)}")
        excluded = set(exclude)
        return [self.extract_bug(b, remove_blank_lines=remove_blank_lines) for b in wanted if b not in excluded]

    def java_level(self, setting: int | str | None = "declared") -> int | None:
        """The level candidates are compiled at: ``"declared"`` = :meth:`declared_java_level`,
        an integer = that level (an override), None = the installed JDK's own."""
        if setting == "declared":
            return self.declared_java_level()
        if setting is None:
            return None
        if isinstance(setting, int) and not isinstance(setting, bool):
            return setting
        raise BenchmarkError(
            f"benchmark {self.name}: java_level must be 'declared', an integer or null, got {setting!r}"
        )


_RELEASE = re.compile(r"<maven\.compiler\.(?:release|source)>\s*(?:1\.)?(\d+)\s*<")
_GRADLE = re.compile(r"sourceCompatibility\s*=?\s*['\"]?(?:JavaVersion\.VERSION_)?(?:1[._])?(\d+)")


def level_from_build(root: Path) -> int | None:
    """The Java level in ``root/pom.xml`` (``maven.compiler.release`` or ``.source``; ``1.8`` is 8)
    or ``root/build.gradle`` (``sourceCompatibility``); None when neither declares one."""
    pom, gradle = root / "pom.xml", root / "build.gradle"
    if pom.is_file():
        m = _RELEASE.search(pom.read_text(encoding="utf-8", errors="replace"))
        if m:
            return int(m.group(1))
    if gradle.is_file():
        m = _GRADLE.search(gradle.read_text(encoding="utf-8", errors="replace"))
        if m:
            return int(m.group(1))
    return None
