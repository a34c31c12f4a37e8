"""Tests for fimrepair.tinybench: layout, compilation and JUnit behaviour of the tiny
benchmark (needs javac/java and the Debian JUnit 4 jars; skipped otherwise)."""

from __future__ import annotations

import difflib
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from fimrepair.tinybench import BUG_KINDS, TINY_BUGS, buggy_region, write_tiny_benchmark

JUNIT = pathlib.Path("/usr/share/java/junit4.jar")
HAMCREST = pathlib.Path("/usr/share/java/hamcrest-core.jar")
CP = f"{JUNIT}{os.pathsep}{HAMCREST}"

needs_java = pytest.mark.skipif(
    shutil.which("javac") is None or shutil.which("java") is None or not JUNIT.exists() or not HAMCREST.exists(),
    reason="javac/java or /usr/share/java/junit4.jar + hamcrest-core.jar not available",
)

FAILURE_RE = re.compile(r"^\d+\) (\w+)\((humaneval\.TEST_\w+)\)$", re.M)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, list[str]]:
    root = tmp_path_factory.mktemp("tinybench")
    return root, write_tiny_benchmark(root)


def test_ids_and_required_kinds(bench: tuple[pathlib.Path, list[str]]) -> None:
    _, ids = bench
    assert ids == sorted(ids) and len(ids) >= 10
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", b) for b in ids)
    kinds = set(BUG_KINDS.values())
    assert {"pure_insertion", "two_hunks", "infinite_loop", "multi_line"} <= kinds


def test_deterministic(tmp_path: pathlib.Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_tiny_benchmark(a)
    write_tiny_benchmark(b)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes()


def test_layout_and_only_method_differs(bench: tuple[pathlib.Path, list[str]]) -> None:
    root, ids = bench
    java = root / "src/main/java/humaneval"
    for bug in ids:
        buggy = (java / "buggy" / f"{bug}.java").read_text()
        correct = (java / "correct" / f"{bug}.java").read_text()
        test = (root / "src/test/java/humaneval" / f"TEST_{bug}.java").read_text()
        assert buggy.startswith("package humaneval.buggy;\n")
        assert correct.startswith("package humaneval.correct;\n")
        assert test.startswith("package humaneval;\n")
        assert f"public class {bug} {{" in buggy and "/*" in buggy
        n_tests = test.count("@org.junit.Test(timeout = 3000)")
        assert 3 <= n_tests <= 6 and n_tests == test.count("public void test_")
        assert f"humaneval.buggy.{bug}." in test
        # everything outside the buggy method is byte-identical
        spec = TINY_BUGS[bug]
        assert buggy.split("\n", 1)[1].replace(spec.buggy, "@@M@@", 1) == correct.split("\n", 1)[1].replace(
            spec.correct, "@@M@@", 1
        )
        assert spec.buggy != spec.correct


def test_loc_and_sf_agree_with_files(bench: tuple[pathlib.Path, list[str]]) -> None:
    root, ids = bench
    java = root / "src/main/java/humaneval"
    sf = json.loads((root / "humaneval-java-sf.json").read_text())
    assert sorted(sf) == ids
    loc: dict[str, tuple[int, int]] = {}
    for line in (java / "humaneval_loc.txt").read_text().splitlines():
        m = re.fullmatch(r"(\w+) {1,4}(\d+)-(\d+)", line)
        assert m, line
        loc[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    assert sorted(loc) == ids
    for bug in ids:
        entry = sf[bug]
        assert set(entry) == {"buggy", "fix", "begin", "end"}
        blines = (java / "buggy" / f"{bug}.java").read_text().splitlines(keepends=True)
        clines = (java / "correct" / f"{bug}.java").read_text().splitlines(keepends=True)
        begin, end = entry["begin"], entry["end"]
        assert "".join(blines[begin - 1 : end]) == entry["buggy"]
        n_fix = entry["fix"].count("\n")
        assert "".join(clines[begin - 1 : begin - 1 + n_fix]) == entry["fix"]
        # loc = first..last changed buggy line of the file diff (package line excluded)
        ops = [
            op
            for op in difflib.SequenceMatcher(None, blines[1:], clines[1:], autojunk=False).get_opcodes()
            if op[0] != "equal"
        ]
        start, stop = ops[0][1] + 2, ops[-1][2] + 2
        assert loc[bug] == (start, stop), bug
        assert begin <= start <= stop <= end + 1
        s, e = buggy_region(entry["buggy"], entry["fix"])
        assert (begin + s, begin + e) == loc[bug]
    # the special kinds look the way they claim
    kinds = {k: b for b, k in BUG_KINDS.items()}
    ins = kinds["pure_insertion"]
    assert loc[ins][0] == loc[ins][1]
    two = TINY_BUGS[kinds["two_hunks"]]
    diff = list(difflib.unified_diff(two.buggy.splitlines(), two.correct.splitlines(), n=3, lineterm=""))
    assert sum(1 for d in diff if d.startswith("@@")) == 2
    multi = TINY_BUGS[kinds["multi_line"]]
    changed = [d for d in difflib.ndiff(multi.buggy.splitlines(), multi.correct.splitlines()) if d[:1] in "+-"]
    assert len(changed) >= 3


def _javac(out: pathlib.Path, sources: list[pathlib.Path]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["javac", "-nowarn", "-encoding", "UTF-8", "-cp", CP, "-d", str(out), *map(str, sources)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]


def _junit(classes: pathlib.Path, ids: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "java",
            "-cp",
            f"{classes}{os.pathsep}{CP}",
            "org.junit.runner.JUnitCore",
            *[f"humaneval.TEST_{b}" for b in ids],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _failures(output: str) -> dict[str, list[str]]:
    """Test class -> the failure blocks JUnitCore printed for it."""
    fails: dict[str, list[str]] = {}
    matches = list(FAILURE_RE.finditer(output))
    for k, m in enumerate(matches):
        block_end = matches[k + 1].start() if k + 1 < len(matches) else len(output)
        fails.setdefault(m.group(2).split(".TEST_", 1)[1], []).append(output[m.end() : block_end])
    return fails


@needs_java
def test_correct_versions_compile_and_pass(bench: tuple[pathlib.Path, list[str]], tmp_path: pathlib.Path) -> None:
    root, ids = bench
    src = tmp_path / "src/humaneval/buggy"
    src.mkdir(parents=True)
    sources = []
    for bug in ids:
        text = (root / f"src/main/java/humaneval/correct/{bug}.java").read_text()
        dest = src / f"{bug}.java"
        dest.write_text(text.replace("package humaneval.correct;", "package humaneval.buggy;", 1))
        sources.append(dest)
    sources += [root / f"src/test/java/humaneval/TEST_{bug}.java" for bug in ids]
    _javac(tmp_path / "classes", sources)
    proc = _junit(tmp_path / "classes", ids)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert _failures(proc.stdout) == {}
    total = sum(len(TINY_BUGS[b].tests) for b in ids)
    assert f"OK ({total} tests)" in proc.stdout


BUGGY_FAILURES = {
    "BOXES_NEEDED": 4, "CELSIUS_TO_FAHRENHEIT": 4, "CLOCK_HAND_ANGLE": 5, "ELEVATOR_TRIPS": 2, "GRADE_LETTER": 1,
    "LEAP_YEAR": 3, "LUHN_CHECK": 3, "PARKING_FEE": 3, "SPEED_FINE": 3, "SUM_OF_SQUARES": 4, "TRIANGLE_KIND": 2,
    "YEARS_TO_DOUBLE": 1,
    # the injected-fault bugs (fimrepair/data/tinybench_injected.yaml)
    "ALTERNATING_SUM": 3, "BALANCED_PARENS": 1, "CLAMP_SUM": 3, "COIN_COUNT": 3, "COLLATZ_STEPS": 3,
    "COUNT_LONG_WORDS": 5, "DIGIT_COUNT": 2, "ENDS_MATCH": 4, "EVEN_INDEX_SUM": 3, "INVERSIONS": 3,
    "LARGEST_EVEN": 5, "LONGEST_RUN": 2, "MANHATTAN": 2, "MAX_STEP": 4, "MIN_POSITION": 5, "PAIRS_WITH_SUM": 1,
    "POSITIVE_AVERAGE": 3, "POWER_OF_TWO": 2, "RECORD_HIGHS": 4, "REVERSE_DIGITS": 3, "SIGN_CHANGES": 3,
    "STRICTLY_INCREASING": 2, "STRIP_ZEROS": 3, "SUM_BETWEEN": 4, "SUM_OF_MULTIPLES": 3, "TICKET_PRICE": 2,
    "TRIANGLE_NUMBER": 4, "WEIGHTED_SUM": 3,
}  # fmt: skip


@needs_java
def test_buggy_versions_compile_and_fail(bench: tuple[pathlib.Path, list[str]], tmp_path: pathlib.Path) -> None:
    root, ids = bench
    sources = [root / f"src/main/java/humaneval/buggy/{bug}.java" for bug in ids]
    sources += [root / f"src/test/java/humaneval/TEST_{bug}.java" for bug in ids]
    _javac(tmp_path / "classes", sources)
    proc = _junit(tmp_path / "classes", ids)
    assert proc.returncode != 0
    fails = _failures(proc.stdout)
    for bug in ids:
        assert bug in fails, f"buggy {bug} passes all its tests"
    failed_tests = FAILURE_RE.findall(proc.stdout)
    assert len(set(failed_tests)) == len(failed_tests)  # each failure is a distinct test method
    # How many of its tests each buggy version fails (the benchmark is deterministic data: a
    # change to a bug or its tests must update this table).
    assert {bug: len(fails[bug]) for bug in ids} == BUGGY_FAILURES
    assert all(BUGGY_FAILURES[b] <= len(TINY_BUGS[b].tests) for b in ids)
    looping = [b for b, k in BUG_KINDS.items() if k == "infinite_loop"]
    assert looping
    for bug in looping:
        assert any("timed out after 3000 milliseconds" in f for f in fails[bug]), fails[bug]
    for bug in set(ids) - set(looping):
        assert not any("timed out" in f for f in fails[bug]), bug


def test_no_overlap_with_synthetic_corpus() -> None:
    from fimrepair.synthetic import CORPUS

    corpus = set(CORPUS)
    corpus_names = {re.search(r"(\w+)\(", m.split("\n", 1)[0]).group(1).lower() for m in CORPUS}
    for bug in TINY_BUGS.values():
        assert bug.buggy not in corpus and bug.correct not in corpus
        assert bug.method_name.replace("_", "") not in corpus_names


def test_injected_bugs_cover_every_fault_family_of_the_training_data() -> None:
    from collections import Counter

    from fimrepair.synthetic.injectors import INJECTORS
    from fimrepair.tinybench import INJECTED_RESOURCE, load_bugs

    bugs = load_bugs(INJECTED_RESOURCE)
    assert len(bugs) == 28 and {b.bug_id for b in bugs} <= set(TINY_BUGS)
    assert Counter(b.kind for b in bugs) == {kind: 4 for kind in INJECTORS}
    for bug in bugs:
        changed = [d for d in difflib.ndiff(bug.buggy.splitlines(), bug.correct.splitlines()) if d[:1] in "+-"]
        assert 1 <= len(changed) <= 2, bug.bug_id  # one line changed, or one statement missing
        assert bug.correct.startswith(f"    public static {bug.return_type} {bug.method_name}(")
