"""Benchmarks in the HumanEval-Java layout: finding the root, extracting one record per bug.

Layout (GitHub ASSERT-KTH/human-eval-java)::

    <root>/src/main/java/humaneval/{buggy,correct}/<BUG>.java
    <root>/src/test/java/humaneval/TEST_<BUG>.java
    <root>/src/main/java/humaneval/humaneval_loc.txt        (cross-check only)
    <root>/humaneval-java-sf.json                            (cross-check only)

The buggy method is the one method whose text differs between the buggy and correct class;
its region comes from the method diff (see :mod:`fimrepair.region`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from fimrepair.javasrc import methods, strip_comments
from fimrepair.region import split

BUGGY_DIR = Path("src/main/java/humaneval/buggy")
CORRECT_DIR = Path("src/main/java/humaneval/correct")
TEST_DIR = Path("src/test/java/humaneval")


class BenchmarkError(ValueError):
    """The benchmark root or one of its bugs is malformed; the message names the file."""


@dataclass(frozen=True)
class Bug:
    """One benchmark bug, self-describing (every record carries its own metadata).

    ``buggy_function``/``fixed_function`` are the comment-stripped methods that prompts are
    built from; ``method_start``/``method_end`` are the method's lines (0-based, end
    exclusive) in the buggy class, where a candidate method is spliced in.
    """

    benchmark: str
    bug_id: str
    method_name: str
    buggy_class: str
    test_class: str
    method_start: int
    method_end: int
    buggy_function: str
    fixed_function: str
    prefix: str
    buggy_chunk: str
    fixed_chunk: str
    suffix: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, object]) -> Bug:
        return cls(**row)  # type: ignore[arg-type]


def check_root(root: Path) -> None:
    """Raise :class:`BenchmarkError` unless ``root`` has the HumanEval-Java layout."""
    if not root.is_dir():
        raise BenchmarkError(f"benchmark root {root} does not exist or is not a directory")
    for sub in (BUGGY_DIR, CORRECT_DIR, TEST_DIR):
        if not (root / sub).is_dir():
            raise BenchmarkError(f"benchmark root {root} lacks {sub}/ (not a HumanEval-Java layout)")


def bug_ids(root: Path) -> list[str]:
    """All bug ids of the benchmark at ``root``: buggy classes that have a correct class."""
    check_root(root)
    return sorted(p.stem for p in (root / BUGGY_DIR).glob("*.java") if (root / CORRECT_DIR / p.name).exists())


def _method_key(m: object) -> str:
    return f"{m.name}{m.parameters}"  # type: ignore[attr-defined]


def extract_bug(root: Path, bug_id: str, benchmark: str) -> Bug:
    """Extract the record of one bug; errors name the file."""
    buggy_path = root / BUGGY_DIR / f"{bug_id}.java"
    correct_path = root / CORRECT_DIR / f"{bug_id}.java"
    test_path = root / TEST_DIR / f"TEST_{bug_id}.java"
    for path in (buggy_path, correct_path, test_path):
        if not path.is_file():
            raise BenchmarkError(f"bug {bug_id}: missing file {path}")
    buggy_src = buggy_path.read_text(encoding="utf-8")
    correct_src = correct_path.read_text(encoding="utf-8")
    buggy_methods = {_method_key(m): m for m in methods(buggy_src)}
    correct_methods = {_method_key(m): m for m in methods(correct_src)}
    changed = [
        key
        for key, m in buggy_methods.items()
        if key in correct_methods and m.text(buggy_src).split() != correct_methods[key].text(correct_src).split()
    ]
    if len(changed) != 1:
        raise BenchmarkError(
            f"bug {bug_id}: expected exactly one method that differs between {buggy_path} and "
            f"{correct_path}, found {len(changed)} ({', '.join(changed) or 'none'})"
        )
    key = changed[0]
    bm, cm = buggy_methods[key], correct_methods[key]
    buggy_fn = strip_comments(bm.text(buggy_src))
    fixed_fn = strip_comments(cm.text(correct_src))
    s = split(buggy_fn, fixed_fn)
    return Bug(
        benchmark=benchmark,
        bug_id=bug_id,
        method_name=bm.name,
        buggy_class=str(BUGGY_DIR / f"{bug_id}.java"),
        test_class=f"humaneval.TEST_{bug_id}",
        method_start=bm.start_line,
        method_end=bm.end_line,
        buggy_function=buggy_fn,
        fixed_function=fixed_fn,
        prefix=s.prefix,
        buggy_chunk=s.buggy_chunk,
        fixed_chunk=s.fixed_chunk,
        suffix=s.suffix,
    )


def extract_bugs(root: Path, benchmark: str, include: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> list[Bug]:
    """Records of the configured subset: ``include`` (None = all) minus ``exclude``.

    A configured bug id that the benchmark lacks is an error naming it.
    """
    available = bug_ids(root)
    wanted = list(available) if include is None else list(include)
    unknown = sorted(set(wanted) - set(available)) + sorted(set(exclude) - set(available))
    if unknown:
        raise BenchmarkError(f"benchmark {benchmark} at {root} has no bug(s) {', '.join(unknown)}")
    excluded = set(exclude)
    return [extract_bug(root, b, benchmark) for b in wanted if b not in excluded]


def splice(class_source: str, start: int, end: int, function: str) -> str:
    """The class with its lines ``[start, end)`` replaced by ``function``."""
    lines = class_source.splitlines(keepends=True)
    if not function.endswith("\n"):
        function += "\n"
    return "".join(lines[:start]) + function + "".join(lines[end:])
