"""RepairLLaMA's input (IR1-IR4) and output (OR1-OR4) representations, as pure functions of a
:class:`~fimrepair.region.Split`.

RepairLLaMA (Silva et al., arXiv 2312.15698) calls IR4 x OR2 "RepairLLaMA": the buggy lines
commented out above a ``<FILL_ME>`` hole, and the fixed lines as the output.
"""

from __future__ import annotations

import difflib

from fimrepair.region import Split

FILL_ME = "<FILL_ME>"


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def hole_indent(s: Split) -> str:
    """Indentation of the hole: the first buggy line's, else the first fixed line's, else the
    next line's (a deletion at the end of a block)."""
    for chunk in (s.buggy_chunk, s.fixed_chunk, s.suffix):
        for line in chunk.splitlines():
            if line.strip():
                return _indent(line)
    return ""


def ir1(s: Split) -> str:
    """IR1: the buggy function."""
    return s.buggy


def ir2(s: Split) -> str:
    """IR2: the buggy function with the region marked, and a final ``// fixed lines:``."""
    return s.prefix + "// buggy lines start:\n" + s.buggy_chunk + "// buggy lines end\n" + s.suffix + "// fixed lines:\n"


def ir3(s: Split) -> str:
    """IR3: the buggy region replaced by an indented ``<FILL_ME>`` line."""
    return s.prefix + hole_indent(s) + FILL_ME + "\n" + s.suffix


def ir4_prefix(s: Split) -> str:
    """IR4 up to (not including) the hole's line: the prefix and the commented buggy lines."""
    buggy_lines = s.buggy_chunk.splitlines() or [""]
    commented = "".join(f"// {line}\n" for line in buggy_lines)
    return s.prefix + "// buggy code\n" + commented


def ir4(s: Split) -> str:
    """IR4: IR3 plus ``// buggy code`` and each buggy line as ``// <line>`` above the hole."""
    return ir4_prefix(s) + hole_indent(s) + FILL_ME + "\n" + s.suffix


def or1(s: Split) -> str:
    """OR1: the full fixed function."""
    return s.fixed


def or2(s: Split) -> str:
    """OR2: the fixed lines only."""
    return s.fixed_chunk


def _diff(s: Split, context: int) -> str:
    lines = difflib.unified_diff(
        s.buggy.splitlines(keepends=True), s.fixed.splitlines(keepends=True), n=context, lineterm="\n"
    )
    return "".join(line for line in lines if not line.startswith(("---", "+++")))


def or3(s: Split) -> str:
    """OR3: a unified diff of the function with 3 lines of context."""
    return _diff(s, 3)


def or4(s: Split) -> str:
    """OR4: a unified diff of the function with 1 line of context."""
    return _diff(s, 1)


INPUTS = {"ir1": ir1, "ir2": ir2, "ir3": ir3, "ir4": ir4}
OUTPUTS = {"or1": or1, "or2": or2, "or3": or3, "or4": or4}
