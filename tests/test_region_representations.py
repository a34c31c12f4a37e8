from __future__ import annotations

import pytest

from fimrepair.region import NoChangeError, split
from fimrepair.representations import FILL_ME, hole_indent, ir1, ir2, ir3, ir4, or1, or2, or3

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


def test_whitespace_only_is_no_change():
    with pytest.raises(NoChangeError):
        split(BUGGY, BUGGY.replace("        int s", "          int s"))


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
