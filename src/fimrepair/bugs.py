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

import difflib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from fimrepair.javasrc import MethodDecl, all_methods, methods, signature_of, strip_blank_lines, strip_comments
from fimrepair.region import SPLIT_FIELDS, Split, split

log = logging.getLogger(__name__)

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
    exclusive) in the buggy class; ``test_path`` is the test class's source relative to the
    benchmark root (None in older records: the HumanEval-Java place, see :func:`test_source_path`).
    A candidate method replaces the method of the buggy class that has its signature
    (:func:`place`).
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
    split: Split
    test_path: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The flat record of ``bugs.jsonl``: the split's five parts in place of ``split``."""
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "split"}
        at = list(row).index("test_path")
        items = list(row.items())
        return dict(items[:at] + list(self.split.to_dict().items()) + items[at:])

    @classmethod
    def from_dict(cls, row: dict[str, object]) -> Bug:
        """A bug from its flat record (:meth:`to_dict`); an unknown or missing field is an error
        that names it."""
        own = {f.name for f in fields(cls)} - {"split"}
        unknown = set(row) - own - set(SPLIT_FIELDS)
        if unknown:
            raise TypeError(f"bug record {row.get('bug_id')!r}: unknown field(s) {sorted(unknown)}")
        return cls(**{k: v for k, v in row.items() if k in own}, split=Split.from_dict(row))  # type: ignore[arg-type]


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


def extract_method_bug(
    buggy_src: str,
    correct_src: str,
    *,
    benchmark: str,
    bug_id: str,
    buggy_class: str,
    test_class: str,
    test_path: str,
    where: str,
    remove_blank_lines: bool = False,
) -> Bug:
    """The record of a bug whose buggy and correct classes differ in exactly one method.

    The buggy method is the top-level method (tree-sitter-java) whose text differs between the
    buggy and correct class; comments are stripped from both versions (and blank lines when
    ``remove_blank_lines``: RepairLLaMA's published HumanEval-Java prompts keep them, its
    Megadiff training data does not), and the region comes from their line diff. Errors name
    ``where`` (the two files).
    """
    buggy_methods = {_method_key(m): m for m in methods(buggy_src)}
    correct_methods = {_method_key(m): m for m in methods(correct_src)}
    changed = [
        key
        for key, m in buggy_methods.items()
        if key in correct_methods and m.text(buggy_src).split() != correct_methods[key].text(correct_src).split()
    ]
    if len(changed) != 1:
        raise BenchmarkError(
            f"bug {bug_id}: expected exactly one method that differs between {where}, found {len(changed)} ({', '.join(changed) or 'none'})"
        )
    key = changed[0]
    bm, cm = buggy_methods[key], correct_methods[key]
    buggy_fn = strip_comments(bm.text(buggy_src))
    fixed_fn = strip_comments(cm.text(correct_src))
    if remove_blank_lines:
        buggy_fn, fixed_fn = strip_blank_lines(buggy_fn), strip_blank_lines(fixed_fn)
    s = split(buggy_fn, fixed_fn)
    return Bug(
        benchmark=benchmark,
        bug_id=bug_id,
        method_name=bm.name,
        buggy_class=buggy_class,
        test_class=test_class,
        method_start=bm.start_line,
        method_end=bm.end_line,
        buggy_function=buggy_fn,
        fixed_function=fixed_fn,
        split=s,
        test_path=test_path,
    )


def extract_files_bug(
    root: Path,
    bug_id: str,
    benchmark: str,
    *,
    buggy: Path,
    correct: Path,
    test: Path,
    test_class: str,
    remove_blank_lines: bool = False,
) -> Bug:
    """:func:`extract_method_bug` on the files ``buggy``, ``correct`` and ``test`` (relative to
    ``root``); a missing file is an error naming it."""
    for rel in (buggy, correct, test):
        if not (root / rel).is_file():
            raise BenchmarkError(f"bug {bug_id}: missing file {root / rel}")
    return extract_method_bug(
        (root / buggy).read_text(encoding="utf-8"),
        (root / correct).read_text(encoding="utf-8"),
        benchmark=benchmark,
        bug_id=bug_id,
        buggy_class=str(buggy),
        test_class=test_class,
        test_path=str(test),
        where=f"{root / buggy} and {root / correct}",
        remove_blank_lines=remove_blank_lines,
    )


def extract_bug(root: Path, bug_id: str, benchmark: str, *, remove_blank_lines: bool = False) -> Bug:
    """Extract the record of one HumanEval-Java-layout bug (:func:`extract_method_bug`);
    errors name the file."""
    return extract_files_bug(
        root,
        bug_id,
        benchmark,
        buggy=BUGGY_DIR / f"{bug_id}.java",
        correct=CORRECT_DIR / f"{bug_id}.java",
        test=TEST_DIR / f"TEST_{bug_id}.java",
        test_class=f"humaneval.TEST_{bug_id}",
        remove_blank_lines=remove_blank_lines,
    )


def extract_bugs(
    root: Path,
    benchmark: str,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    *,
    remove_blank_lines: bool = False,
) -> list[Bug]:
    """Records of the configured subset: ``include`` (None = all) minus ``exclude``.

    A configured bug id that the benchmark lacks is an error naming it.
    """
    available = bug_ids(root)
    wanted = list(available) if include is None else list(include)
    unknown = sorted(set(wanted) - set(available)) + sorted(set(exclude) - set(available))
    if unknown:
        raise BenchmarkError(f"benchmark {benchmark} at {root} has no bug(s) {', '.join(unknown)}")
    excluded = set(exclude)
    return [extract_bug(root, b, benchmark, remove_blank_lines=remove_blank_lines) for b in wanted if b not in excluded]


def splice(class_source: str, start: int, end: int, function: str) -> str:
    """The class with its lines ``[start, end)`` replaced by ``function``."""
    lines = class_source.splitlines(keepends=True)
    if not function.endswith("\n"):
        function += "\n"
    return "".join(lines[:start]) + function + "".join(lines[end:])


def test_source_path(bug: Bug) -> str:
    """The test class's source, relative to the benchmark root."""
    if bug.test_path:
        return bug.test_path
    return str(TEST_DIR.parent / (bug.test_class.replace(".", "/") + ".java"))


class PlacementError(ValueError):
    """The candidate's method is not a method of the buggy class (the message says which)."""


def place(class_source: str, bug: Bug, function: str) -> str:
    """The buggy class with the candidate method ``function`` in place of the method it replaces.

    The method replaced is the one with the candidate's own signature (name and parameter
    types, :func:`fimrepair.javasrc.signature_of`) among ALL methods of the class, those of
    nested, local and anonymous classes included: the bug's method (lines ``method_start`` to
    ``method_end``) when the signature is its own, else the method with that signature (several:
    the one inside the bug's method, then the nearest). A candidate with no such method that
    keeps the bug's method name (its parameter types changed) or its parameter types (the method
    renamed) replaces the bug's method: the compiler and the tests judge the change. A text that declares no method (it cannot be parsed as one) goes to the
    bug's lines, where the compiler reports it. Anything else raises :class:`PlacementError`.
    """
    # Lone surrogates (undecodable input bytes) spelled out, so the parser (UTF-8) can read it.
    sig = signature_of(function.encode("utf-8", "backslashreplace").decode("utf-8"))
    if sig is None:
        return splice(class_source, bug.method_start, bug.method_end, function)
    decls = all_methods(class_source)
    own = next((d for d in decls if d.start_line == bug.method_start and d.name == bug.method_name), None)
    if own is not None and own.signature == sig:
        return splice(class_source, bug.method_start, bug.method_end, function)
    same = [d for d in decls if d.signature == sig]
    if same:
        inside = [d for d in same if bug.method_start <= d.start_line < bug.method_end]
        target = min(inside or same, key=lambda d: (abs(d.start_line - bug.method_start), d.start_byte))
        return _splice_declaration(class_source, target, function)
    if own is not None and (sig.name == own.name or sig.parameter_types == own.signature.parameter_types):
        return splice(class_source, bug.method_start, bug.method_end, function)
    known = ", ".join(sorted({str(d.signature) for d in decls})) or "none"
    raise PlacementError(
        f"no method {sig} in {bug.buggy_class} to replace (the candidate's signature; the class declares {known})"
    )


def _splice_declaration(class_source: str, decl: MethodDecl, function: str) -> str:
    """Replace one declaration: its whole lines when it has them to itself, else its bytes."""
    lines = class_source.splitlines(keepends=True)
    data = class_source.encode("utf-8")
    line_start = len("".join(lines[: decl.start_line]).encode("utf-8"))
    line_end = len("".join(lines[: decl.end_line]).encode("utf-8"))
    if not data[line_start : decl.start_byte].strip() and not data[decl.end_byte : line_end].strip():
        return splice(class_source, decl.start_line, decl.end_line, function)
    return (data[: decl.start_byte] + function.strip().encode("utf-8", "surrogatepass") + data[decl.end_byte :]).decode(
        "utf-8", "surrogatepass"
    )


# --- cross-checks against the benchmark's own metadata ------------------------------------

LOC_FILE = Path("src/main/java/humaneval/humaneval_loc.txt")
SF_FILE = Path("humaneval-java-sf.json")

# Known errors of upstream metadata at commit c01484f (../shared/notes/humaneval-java.md).
KNOWN_LOC_ERRORS = {
    "TRIANGLE_AREA_2": "range points at the signature; the bug is on line 21",
    "RESCALE_TO_UNIT": "whitespace-only differences outside the range",
    "SORT_EVEN": "whitespace-only differences outside the range",
    "ENCODE": "whitespace-only difference (a trailing space on line 21) outside the range",
}
KNOWN_SF_ERRORS = {
    "ISCUBE": "the json's buggy text already contains the fix line",
    "WORDS_STRINGS": "the json uses spaces where the files have tabs",
    "MAKE_A_PILE": "the json uses spaces where the files have tabs",
}

_LOC_LINE = re.compile(r"^(\S+)[ \t]{1,4}(\d+)-(\d+)\s*$")


def changed_class_lines(root: Path, bug_id: str) -> tuple[list[int], list[int]]:
    """The buggy class's diff to the correct class (the package line excluded): 1-based lines
    it changes or deletes, and 1-based positions of pure insertions (inserted before that line)."""
    a = (root / BUGGY_DIR / f"{bug_id}.java").read_text(encoding="utf-8").splitlines()
    b = (root / CORRECT_DIR / f"{bug_id}.java").read_text(encoding="utf-8").splitlines()
    changed: list[int] = []
    inserted: list[int] = []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "insert":
            inserted.append(i1 + 1)
        elif tag != "equal":
            changed.extend(k + 1 for k in range(i1, i2) if not a[k].startswith("package "))
    return changed, inserted


def crosscheck(root: Path, bugs: Iterable[Bug]) -> list[dict[str, str]]:
    """Compare the extracted bugs with ``humaneval_loc.txt`` and ``humaneval-java-sf.json``.

    One row per bug and check: ``{bug_id, check, status, detail}`` with status ``ok``,
    ``known-upstream-error`` (listed above), ``unexpected`` or ``absent`` (no such file or
    entry). Mismatches are reported, never raised: the files are cross-checks only.
    """
    loc: dict[str, tuple[int, int]] = {}
    loc_path = root / LOC_FILE
    if loc_path.is_file():
        for n, line in enumerate(loc_path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            m = _LOC_LINE.match(line)
            if m is None:
                raise BenchmarkError(f"{loc_path}:{n}: cannot read {line!r} (expected 'NAME START-END')")
            loc[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    sf_path = root / SF_FILE
    sf = json.loads(sf_path.read_text(encoding="utf-8")) if sf_path.is_file() else {}
    rows: list[dict[str, str]] = []

    def add(bug_id: str, check: str, ok: bool, known: dict[str, str], detail: str) -> None:
        status = "ok" if ok else ("known-upstream-error" if bug_id in known else "unexpected")
        if status == "unexpected":
            log.warning("benchmark cross-check %s of %s: %s", check, bug_id, detail)
        rows.append(
            {"bug_id": bug_id, "check": check, "status": status, "detail": "" if ok else known.get(bug_id, detail)}
        )

    for bug in bugs:
        if bug.bug_id not in loc:
            rows.append({"bug_id": bug.bug_id, "check": "humaneval_loc.txt", "status": "absent", "detail": ""})
        else:
            start, end = loc[bug.bug_id]
            changed, inserted = changed_class_lines(root, bug.bug_id)
            inside = (
                bool(changed or inserted)
                and all(start <= k < end for k in changed)
                and all(start <= k <= end for k in inserted)
            )
            detail = f"changed lines {changed}, insertions before {inserted}: not all in [{start}, {end})"
            add(bug.bug_id, "humaneval_loc.txt", inside, KNOWN_LOC_ERRORS, detail)
        entry = sf.get(bug.bug_id)
        if entry is None:
            rows.append({"bug_id": bug.bug_id, "check": "humaneval-java-sf.json", "status": "absent", "detail": ""})
            continue
        buggy_src = (root / BUGGY_DIR / f"{bug.bug_id}.java").read_text(encoding="utf-8")
        correct_src = (root / CORRECT_DIR / f"{bug.bug_id}.java").read_text(encoding="utf-8")
        lines = buggy_src.splitlines(keepends=True)
        method = "".join(lines[bug.method_start : bug.method_end])
        fixed_method = [m for m in methods(correct_src) if m.name == bug.method_name]
        fixed_text = fixed_method[0].text(correct_src) if fixed_method else ""
        same = (
            entry.get("buggy", "").rstrip("\n") == method.rstrip("\n")
            and entry.get("fix", "").rstrip("\n") == fixed_text.rstrip("\n")
            and (int(entry.get("begin", -1)), int(entry.get("end", -1))) == (bug.method_start + 1, bug.method_end)
        )
        add(
            bug.bug_id,
            "humaneval-java-sf.json",
            same,
            KNOWN_SF_ERRORS,
            "method text or lines differ from the class files",
        )
    return rows
