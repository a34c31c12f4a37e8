"""Benchmark bug extraction: methods with tree-sitter-java, regions from the method diff,
cross-checks against the benchmark's metadata that report known upstream errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fimrepair.bugs import KNOWN_LOC_ERRORS, KNOWN_SF_ERRORS, BenchmarkError, crosscheck, extract_bug, extract_bugs

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "humaneval-java"


def write_bug(root: Path, bug: str, buggy_body: str, fixed_body: str) -> None:
    for kind, body in (("buggy", buggy_body), ("correct", fixed_body)):
        d = root / "src/main/java/humaneval" / kind
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{bug}.java").write_text(
            f"package humaneval.{kind};\n\npublic class {bug} {{\n    // helper\n    static int h() {{ return 1; }}\n\n{body}}}\n"
        )
    t = root / "src/test/java/humaneval"
    t.mkdir(parents=True, exist_ok=True)
    (t / f"TEST_{bug}.java").write_text("class T {}\n")


def test_extract_insertion_and_comments(tmp_path):
    buggy = "    public static int f(int n) {\n        // sum\n        return n;\n    }\n"
    fixed = "    public static int f(int n) {\n        // sum\n        if (n < 0) return 0;\n        return n;\n    }\n"
    write_bug(tmp_path, "F", buggy, fixed)
    bug = extract_bug(tmp_path, "F", "t")
    assert bug.split.buggy_chunk == "" and bug.split.fixed_chunk == "        if (n < 0) return 0;\n"
    assert "// sum" not in bug.buggy_function and bug.split.hole_indent == "        "
    assert bug.method_name == "f" and bug.method_start == 6
    rows = crosscheck(tmp_path, [bug])
    assert {r["status"] for r in rows} == {"absent"}


def test_two_changed_methods_is_an_error_naming_the_files(tmp_path):
    write_bug(
        tmp_path,
        "G",
        "    int a() { return 1; }\n    int b() { return 2; }\n",
        "    int a() { return 3; }\n    int b() { return 4; }\n",
    )
    with pytest.raises(BenchmarkError, match=r"G\.java.*found 2"):
        extract_bug(tmp_path, "G", "t")
    with pytest.raises(BenchmarkError, match="no bug"):
        extract_bugs(tmp_path, "t", include=["NOPE"])


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"../shared/humaneval-java is absent ({SHARED})")
def test_humaneval_163_162_and_crosschecks_report_known_upstream_errors():
    bugs = extract_bugs(SHARED, "humaneval-java")
    assert len(bugs) == 163
    assert len(extract_bugs(SHARED, "humaneval-java", exclude=["FIND_MAX"])) == 162
    rows = crosscheck(SHARED, bugs)
    assert not [r for r in rows if r["status"] in ("unexpected", "absent")]
    known = {(r["bug_id"], r["check"]) for r in rows if r["status"] == "known-upstream-error"}
    assert known == {(b, "humaneval_loc.txt") for b in KNOWN_LOC_ERRORS} | {
        (b, "humaneval-java-sf.json") for b in KNOWN_SF_ERRORS
    }


def test_a_bug_holds_its_split_and_keeps_the_flat_record(tmp_path):
    """A Bug holds one Split; bugs.jsonl keeps its flat record, with the fields in the order
    it always had, and a record round-trips; an unknown field is named."""
    from fimrepair.bugs import Bug

    buggy = "    public static int f(int n) {\n        return n;\n    }\n"
    fixed = "    public static int f(int n) {\n        return n + 1;\n    }\n"
    write_bug(tmp_path, "F", buggy, fixed)
    bug = extract_bug(tmp_path, "F", "t")
    row = bug.to_dict()
    assert list(row) == [
        "benchmark", "bug_id", "method_name", "buggy_class", "test_class", "method_start", "method_end",
        "buggy_function", "fixed_function", "prefix", "buggy_chunk", "fixed_chunk", "suffix", "hole_indent",
        "test_path",
    ]  # fmt: skip
    assert row["buggy_chunk"] == "        return n;\n" and row["fixed_chunk"] == "        return n + 1;\n"
    assert bug.split.buggy == bug.buggy_function and bug.split.fixed == bug.fixed_function
    assert Bug.from_dict(row) == bug
    with pytest.raises(TypeError, match=r"unknown field\(s\) \['extra'\]"):
        Bug.from_dict({**row, "extra": 1})


def test_an_example_holds_its_split_and_keeps_the_flat_row():
    from fimrepair.megadiff import EXAMPLE_COLUMNS, classify

    buggy = "int f(int n) {\n    return n;\n}\n"
    fixed = "int f(int n) {\n    return n + 1;\n}\n"
    reason, ex = classify(3, {"buggy_function": buggy, "fixed_function": fixed})
    assert reason is None and ex is not None
    row = ex.to_dict()
    assert tuple(row) == EXAMPLE_COLUMNS and row["source_index"] == 3
    assert ex.split.buggy == ex.buggy_function and row["fixed_chunk"] == "    return n + 1;\n"
