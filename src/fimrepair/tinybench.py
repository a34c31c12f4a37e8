"""A tiny benchmark in exactly the HumanEval-Java layout, for offline end-to-end tests.

:func:`write_tiny_benchmark` writes, deterministically::

    root/src/main/java/humaneval/buggy/<BUG>.java     package humaneval.buggy
    root/src/main/java/humaneval/correct/<BUG>.java   package humaneval.correct
    root/src/test/java/humaneval/TEST_<BUG>.java      JUnit 4, calls humaneval.buggy.<BUG>
    root/src/main/java/humaneval/humaneval_loc.txt    "NAME START-END" (1-based, END exclusive)
    root/humaneval-java-sf.json                       {BUG: {buggy, fix, begin, end}}

The problems, their classes and tests are original (not taken from HumanEval). Two parts,
each a package resource read by :func:`load_bugs`:

- 12 hand-written bugs (``data/tinybench.yaml``, :data:`HAND_WRITTEN_RESOURCE`) in domains
  (calendar, money, physics, geometry, fees...) away from the synthetic training corpus of
  :mod:`fimrepair.synthetic`, each exercising a case the pipeline must handle: pure
  insertion, two hunks, infinite loop, multi-line fix, helper;
- 28 injected-fault bugs (``data/tinybench_injected.yaml``, :data:`INJECTED_RESOURCE`):
  methods that never occur in the training data, each with one fault made by an injector of
  :data:`fimrepair.synthetic.injectors.INJECTORS`, four per family. They make the tiny study a
  miniature of the real one: the model is fine-tuned on the fault families it is tested on,
  in code it has never seen (decontamination still runs).

The buggy class differs from the correct one only in the package line and inside its one
buggy method; every buggy version compiles and fails at least one test. :data:`BUG_KINDS`
says what each bug exercises.

For a pure insertion (the fix only adds lines) the loc range is empty, ``START-START``,
where START is the buggy-file line before which the fix lines go.
"""

from __future__ import annotations

import difflib
import json
import pathlib
import textwrap
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "TinyBug",
    "TINY_BUGS",
    "BUG_KINDS",
    "HAND_WRITTEN_RESOURCE",
    "INJECTED_RESOURCE",
    "load_bugs",
    "write_tiny_benchmark",
    "buggy_region",
]


@dataclass(frozen=True)
class TinyBug:
    """One benchmark bug: a class with one public static method (buggy and correct
    versions), an optional non-buggy private helper, and JUnit cases."""

    bug_id: str
    method_name: str
    return_type: str
    description: str
    correct: str
    buggy: str
    tests: tuple[tuple[str, str], ...]  # (Java argument list, expected Java literal)
    kind: str
    helper: str = ""
    imports: bool = False


HAND_WRITTEN_RESOURCE = "tinybench.yaml"
"""The package resource (``fimrepair/data/``) with the hand-written bugs."""


def load_bugs(resource: str) -> list[TinyBug]:
    """The bugs of the YAML package resource ``fimrepair/data/<resource>``: a list of
    mappings with :class:`TinyBug`'s fields, method texts written without the class
    indentation (four spaces are added here), ``tests`` as ``[arguments, expected]`` pairs."""
    import yaml

    text = resources.files("fimrepair").joinpath("data", resource).read_text(encoding="utf-8")
    out = []
    for entry in yaml.safe_load(text):
        unknown = set(entry) - set(TinyBug.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{resource}: bug {entry.get('bug_id')}: unknown keys {sorted(unknown)}")
        out.append(
            TinyBug(
                bug_id=entry["bug_id"],
                method_name=entry["method_name"],
                return_type=entry["return_type"],
                description=entry["description"],
                correct=textwrap.indent(entry["correct"], "    "),
                buggy=textwrap.indent(entry["buggy"], "    "),
                tests=tuple((str(args), str(expected)) for args, expected in entry["tests"]),
                kind=entry["kind"],
                helper=textwrap.indent(entry.get("helper", ""), "    "),
                imports=bool(entry.get("imports", False)),
            )
        )
    return out


_BUGS: list[TinyBug] = load_bugs(HAND_WRITTEN_RESOURCE)

INJECTED_RESOURCE = "tinybench_injected.yaml"
"""The package resource (``fimrepair/data/``) with the injected-fault bugs: methods that never
occur in the training data, each with one fault of a family of
:data:`fimrepair.synthetic.injectors.INJECTORS` (``kind``)."""

TINY_BUGS: dict[str, TinyBug] = {
    b.bug_id: b for b in sorted(_BUGS + load_bugs(INJECTED_RESOURCE), key=lambda b: b.bug_id)
}
"""The bugs by id: the hand-written edge cases and the injected-fault bugs."""

BUG_KINDS: dict[str, str] = {b.bug_id: b.kind for b in TINY_BUGS.values()}
"""What each bug exercises; includes ``pure_insertion``, ``two_hunks``,
``infinite_loop`` (the buggy version loops forever on one test input) and ``multi_line``."""


def _class_text(bug: TinyBug, package: str, method: str) -> str:
    parts = [f"package {package};\n", "\n"]
    if bug.imports:
        parts += ["import java.util.*;\n", "\n"]
    parts += [f"/* {bug.description} */\n", "\n", f"public class {bug.bug_id} {{\n", method]
    if bug.helper:
        parts += ["\n", bug.helper]
    parts.append("}\n")
    return "".join(parts)


def _method_begin(bug: TinyBug) -> int:
    """1-based line of the method's signature in the (buggy or correct) class file."""
    head = _class_text(bug, "humaneval.buggy", "")
    return head.split("public class", 1)[0].count("\n") + 2


def buggy_region(buggy: str, fixed: str) -> tuple[int, int]:
    """0-based half-open line range ``[start, end)`` of ``buggy`` spanning from the first
    to the last changed line of the line diff to ``fixed``; empty (``start == end``) for a
    pure insertion, at the line before which the fix is inserted."""
    a = buggy.splitlines()
    b = fixed.splitlines()
    ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not ops:
        raise ValueError("buggy and fixed are identical")
    return ops[0][1], ops[-1][2]


def _assertion(bug: TinyBug, expected: str) -> str:
    if bug.return_type in ("double", "float"):
        return f"org.junit.Assert.assertEquals({expected}, result, 1e-6);"
    return f"org.junit.Assert.assertEquals({expected}, result);"


def _test_text(bug: TinyBug) -> str:
    out = ["package humaneval;\n", "\n", f"public class TEST_{bug.bug_id} {{\n"]
    for k, (args, expected) in enumerate(bug.tests):
        if k:
            out.append("\n")
        out += [
            "    @org.junit.Test(timeout = 3000)\n",
            f"    public void test_{k}() throws java.lang.Exception {{\n",
            f"        {bug.return_type} result = humaneval.buggy.{bug.bug_id}.{bug.method_name}({args});\n",
            f"        {_assertion(bug, expected)}\n",
            "    }\n",
        ]
    out.append("}\n")
    return "".join(out)


def write_tiny_benchmark(root: pathlib.Path) -> list[str]:
    """Write the tiny benchmark under ``root`` (HumanEval-Java layout, see module doc)
    and return the bug ids, sorted. Deterministic; overwrites existing files."""
    root = pathlib.Path(root)
    java = root / "src" / "main" / "java" / "humaneval"
    tests = root / "src" / "test" / "java" / "humaneval"
    for d in (java / "buggy", java / "correct", tests):
        d.mkdir(parents=True, exist_ok=True)
    loc_lines: list[str] = []
    sf: dict[str, dict[str, object]] = {}
    for bug_id, bug in TINY_BUGS.items():
        (java / "buggy" / f"{bug_id}.java").write_text(_class_text(bug, "humaneval.buggy", bug.buggy))
        (java / "correct" / f"{bug_id}.java").write_text(_class_text(bug, "humaneval.correct", bug.correct))
        (tests / f"TEST_{bug_id}.java").write_text(_test_text(bug))
        begin = _method_begin(bug)
        start, end = buggy_region(bug.buggy, bug.correct)
        loc_lines.append(f"{bug_id} {begin + start}-{begin + end}")
        sf[bug_id] = {
            "buggy": bug.buggy,
            "fix": bug.correct,
            "begin": begin,
            "end": begin + bug.buggy.count("\n") - 1,
        }
    (java / "humaneval_loc.txt").write_text("\n".join(loc_lines) + "\n")
    (root / "humaneval-java-sf.json").write_text(json.dumps(sf, indent=2, sort_keys=True) + "\n")
    return sorted(TINY_BUGS)
