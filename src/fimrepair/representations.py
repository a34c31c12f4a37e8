"""RepairLLaMA's input (IR1-IR4) and output (OR1-OR4) representations, as pure functions of a
:class:`~fimrepair.region.Split`.

Reproduced from GitHub ASSERT-KTH/repairllama ``build_ior/`` (arXiv 2312.15698) and checked
byte for byte against its published HumanEval-Java prompts (``tests/test_fidelity.py``):

- IR1 ``pbf``: the buggy function.
- IR2 ``pbfwfl``: the buggy function with ``// buggy lines start:`` / ``// buggy lines end``
  around the region and a final ``// fixed lines:``; an empty region is one blank line.
- IR3 ``pbfwcp``: the region replaced by ``<hole indent><FILL_ME>``.
- IR4 ``pbfwcpblc``: IR3 with ``// buggy code`` and each region line as ``// <line>`` above the
  hole; an empty region (pure insertion) is one ``// `` line.
- OR1 ``ff``: the fixed function. OR2 ``fl``: the fixed lines of the region.
- OR3 ``ldwtlc`` / OR4 ``ldwolc``: the changed runs of the full-context diff, each with up to
  3 / 1 unchanged lines of context, runs joined by a blank line (RepairLLaMA drops a run that
  ends at the last line of the function; we keep it).

"RepairLLaMA" is IR4 x OR2. The hole line's indentation is :attr:`Split.hole`.
"""

from __future__ import annotations

from fimrepair.region import Split, lines_of, split

FILL_ME = "<FILL_ME>"


def hole_indent(s: Split) -> str:
    """The text before ``<FILL_ME>`` on the hole line."""
    return s.hole


def hole_line(s: Split) -> str:
    """The hole line of IR3/IR4."""
    return s.hole + FILL_ME + "\n"


def _region_lines(s: Split) -> list[str]:
    return lines_of(s.buggy_chunk) or ["\n"]


def ir1(s: Split) -> str:
    """IR1: the buggy function."""
    return s.buggy


def ir2(s: Split) -> str:
    """IR2: the buggy function with the region marked, and a final ``// fixed lines:``."""
    return (
        s.prefix
        + "// buggy lines start:\n"
        + "".join(_region_lines(s))
        + "// buggy lines end\n"
        + s.suffix
        + "// fixed lines:\n"
    )


def ir3(s: Split) -> str:
    """IR3: the buggy region replaced by the hole line."""
    return s.prefix + hole_line(s) + s.suffix


def ir4_prefix(s: Split) -> str:
    """IR4 up to (not including) the hole line: the prefix and the commented buggy lines."""
    return s.prefix + "// buggy code\n" + "".join("// " + line for line in _region_lines(s))


def ir4(s: Split) -> str:
    """IR4: IR3 plus ``// buggy code`` and each buggy line as ``// <line>`` above the hole."""
    return ir4_prefix(s) + hole_line(s) + s.suffix


def or1(s: Split) -> str:
    """OR1: the full fixed function."""
    return s.fixed


def or2(s: Split) -> str:
    """OR2: the fixed lines only (empty for a pure deletion)."""
    return s.fixed_chunk


def diff_listing(buggy: str, fixed: str) -> list[str]:
    """The body of ``unified_diff(buggy, fixed, n=inf)``: every line with its ``' '``, ``-``
    or ``+`` mark (headers left out)."""
    import difflib

    a, b = lines_of(buggy), lines_of(fixed)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if tag == "equal":
            out.extend(" " + x for x in a[i1:i2])
            continue
        out.extend("-" + x for x in a[i1:i2])
        out.extend("+" + x for x in b[j1:j2])
    return out


def _context_diff(s: Split, context: int) -> str:
    lines = diff_listing(s.buggy, s.fixed)
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if lines[i][0] in "+-":
            start = i
            while i < len(lines) and lines[i][0] in "+-":
                i += 1
            runs.append((start, i))
        else:
            i += 1
    pieces = []
    for start, end in runs:
        pre = []
        for k in range(start - 1, max(start - context, 0) - 1, -1):
            if lines[k][0] in "+-":
                break
            pre.append(lines[k])
        post = []
        for k in range(end, min(end + context, len(lines))):
            if lines[k][0] in "+-":
                break
            post.append(lines[k])
        pieces.append("".join(reversed(pre)) + "".join(lines[start:end]) + "".join(post))
    return "\n".join(pieces)


def or3(s: Split) -> str:
    """OR3: the changed lines with 3 lines of context."""
    return _context_diff(s, 3)


def or4(s: Split) -> str:
    """OR4: the changed lines with 1 line of context."""
    return _context_diff(s, 1)


def representation_pair(buggy: str, fixed: str, ir: str, orep: str) -> tuple[str, str]:
    """``(INPUTS[ir](s), OUTPUTS[orep](s))`` of a function pair."""
    s = split(buggy, fixed)
    return INPUTS[ir](s), OUTPUTS[orep](s)


INPUTS = {"ir1": ir1, "ir2": ir2, "ir3": ir3, "ir4": ir4}
OUTPUTS = {"or1": or1, "or2": or2, "or3": or3, "or4": or4}
