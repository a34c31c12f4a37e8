from __future__ import annotations

import pytest

from fimrepair.region import NoChangeError, split
from fimrepair.representations import FILL_ME, hole_indent, ir1, ir2, ir3, ir4, or1, or2, or3, or4

BUGGY = """    public static int f(int n) {
        int s = 0;
        for (int i = 0; i <= n; i++) {
            s += i;
        }
        return s;
    }
"""
FIXED = BUGGY.replace("i <= n", "i < n")


def test_split_single_line_change():
    s = split(BUGGY, FIXED)
    assert s.buggy_chunk == "        for (int i = 0; i <= n; i++) {\n"
    assert s.fixed_chunk == "        for (int i = 0; i < n; i++) {\n"
    assert s.buggy == BUGGY and s.fixed == FIXED


def test_split_two_hunks_become_one_span():
    fixed = BUGGY.replace("int s = 0", "int s = 1").replace("return s;", "return s + 1;")
    s = split(BUGGY, fixed)
    assert s.buggy_chunk.splitlines()[0].strip() == "int s = 0;"
    assert s.buggy_chunk.splitlines()[-1].strip() == "return s;"
    assert s.fixed == fixed


def test_pure_insertion_has_empty_buggy_chunk():
    fixed = BUGGY.replace("        int s = 0;\n", "        if (n < 0) return 0;\n        int s = 0;\n")
    s = split(BUGGY, fixed)
    assert s.buggy_chunk == ""
    assert s.fixed_chunk == "        if (n < 0) return 0;\n"
    assert s.fixed == fixed
    assert ir4(s).count("// \n") == 1  # an empty commented buggy line, as RepairLLaMA writes it


def test_pure_deletion_has_empty_fixed_chunk():
    fixed = BUGGY.replace("            s += i;\n", "")
    s = split(BUGGY, fixed)
    assert s.fixed_chunk == ""
    assert s.with_middle("") == fixed


def test_identical_lines_are_no_change_but_reindentation_is_a_change():
    with pytest.raises(NoChangeError):
        split(BUGGY, BUGGY)
    # As RepairLLaMA's unified_diff: lines compare exactly (the data filters drop
    # whitespace-only rows before a region is ever cut).
    s = split(BUGGY, BUGGY.replace("        int s", "          int s"))
    assert s.buggy_chunk == "        int s = 0;\n"


def test_pure_insertion_takes_the_hole_indent_from_the_inserted_line():
    buggy = "    int f(int n) {\n    return n;\n    }\n"
    fixed = "    int f(int n) {\n            if (n < 0) n = 0;\n    return n;\n    }\n"
    s = split(buggy, fixed)
    assert s.buggy_chunk == "" and s.hole_indent == "            "
    assert ir4(s) == "    int f(int n) {\n// buggy code\n// \n            <FILL_ME>\n    return n;\n    }\n"
    assert (
        ir2(s)
        == "    int f(int n) {\n// buggy lines start:\n\n// buggy lines end\n    return n;\n    }\n// fixed lines:\n"
    )


def test_or3_or4_context_diffs():
    fixed = BUGGY.replace("int s = 0", "int s = 1").replace("return s;", "return s + 1;")
    s = split(BUGGY, fixed)
    assert or4(s) == (
        "     public static int f(int n) {\n-        int s = 0;\n+        int s = 1;\n"
        "         for (int i = 0; i <= n; i++) {\n"
        "\n"
        "         }\n-        return s;\n+        return s + 1;\n     }\n"
    )
    assert or3(s).count("\n\n") == 1 and or3(s).startswith("     public static")


def test_representations_layout():
    s = split(BUGGY, FIXED)
    assert ir1(s) == BUGGY and or1(s) == FIXED and or2(s) == s.fixed_chunk
    assert ir3(s).count(FILL_ME) == 1 and "i <= n" not in ir3(s)
    assert "// buggy code\n//         for (int i = 0; i <= n; i++) {\n        <FILL_ME>\n" in ir4(s)
    assert ir2(s).endswith("// fixed lines:\n") and "// buggy lines start:\n" in ir2(s)
    assert hole_indent(s) == "        "
    diff = or3(s)
    assert "-        for (int i = 0; i <= n; i++) {" in diff and "+        for (int i = 0; i < n; i++) {" in diff


def test_ir3_and_ir4_reassemble_into_the_fixed_function():
    s = split(BUGGY, FIXED)
    for text in (ir3(s), ir4(s)):
        filled = text.replace(hole_indent(s) + FILL_ME + "\n", or2(s))
        filled = "".join(line for line in filled.splitlines(keepends=True) if not line.startswith("//"))
        assert filled == FIXED


def test_replace_hunk_takes_the_hole_indent_from_the_buggy_line():
    """A replace whose buggy and fixed lines are indented differently: the hole line is
    indented like the first '-' line of the diff (the buggy one), as RepairLLaMA writes it."""
    buggy = "    int f(int n) {\n      return n - 1;\n    }\n"
    fixed = "    int f(int n) {\n            return n + 1;\n    }\n"
    s = split(buggy, fixed)
    assert (s.buggy_chunk, s.fixed_chunk, s.hole_indent) == (
        "      return n - 1;\n",
        "            return n + 1;\n",
        "      ",
    )
    assert ir4(s) == "    int f(int n) {\n// buggy code\n//       return n - 1;\n      <FILL_ME>\n    }\n"
    assert ir3(s) == "    int f(int n) {\n      <FILL_ME>\n    }\n"
    assert or2(s) == "            return n + 1;\n"
