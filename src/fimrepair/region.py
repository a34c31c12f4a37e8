"""The buggy region of a function-level bug fix (perfect fault localisation).

As in RepairLLaMA (GitHub ASSERT-KTH/repairllama, ``build_ior/``), the region is ONE span of
lines: from the first to the last line that ``difflib.unified_diff(buggy, fixed)`` marks
with ``-`` or ``+`` (several hunks become one span; unchanged lines between them belong to the
region). Lines are compared exactly, as ``unified_diff`` does (``SequenceMatcher`` with its
default junk heuristic), so a re-indented line is a changed line; whitespace-only rows are
removed earlier by the data filters.

The one detail that the four strings ``prefix, buggy_chunk, fixed_chunk, suffix`` cannot
carry is where RepairLLaMA takes the indentation of the ``<FILL_ME>`` line from: the FIRST
``-``/``+`` line of the diff listing, which is a fixed line when the first change is an
insertion. :attr:`Split.hole_indent` records it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class NoChangeError(ValueError):
    """The buggy and fixed functions have equal lines: there is no region."""


_LEADING_WS = re.compile(r"^\s+")


def leading_whitespace(line: str) -> str:
    """RepairLLaMA's ``get_beginning_spaces``: the leading run of ``\\s`` (for a blank line
    this includes its newline, a quirk kept for fidelity)."""
    m = _LEADING_WS.match(line)
    return m.group(0) if m else ""


@dataclass(frozen=True)
class Split:
    """A function pair cut at its buggy region. Every part is whole lines (newlines kept).

    ``prefix + buggy_chunk + suffix`` is the buggy function and ``prefix + fixed_chunk +
    suffix`` the fixed one, exactly (a missing final newline is added). ``hole_indent`` is the
    text put before ``<FILL_ME>``; ``None`` (older records) falls back to the first line of
    the buggy chunk, else of the fixed chunk.
    """

    prefix: str
    buggy_chunk: str
    fixed_chunk: str
    suffix: str
    hole_indent: str | None = None

    @property
    def buggy(self) -> str:
        return self.prefix + self.buggy_chunk + self.suffix

    @property
    def fixed(self) -> str:
        return self.prefix + self.fixed_chunk + self.suffix

    @property
    def hole(self) -> str:
        """The indentation of the hole line (see the module docstring)."""
        if self.hole_indent is not None:
            return self.hole_indent
        for chunk in (self.buggy_chunk, self.fixed_chunk):
            if chunk:
                return leading_whitespace(chunk.splitlines(keepends=True)[0])
        return ""

    def to_dict(self) -> dict[str, str | None]:
        """The five parts as a record's fields (:data:`SPLIT_FIELDS`, in that order)."""
        return {name: getattr(self, name) for name in SPLIT_FIELDS}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Split:
        """The split stored in a record (an Example or a Bug as a dict; a missing
        ``hole_indent`` is ``None``)."""
        missing = [k for k in SPLIT_FIELDS[:4] if k not in row]
        if missing:
            raise KeyError(f"record {row.get('row_id', row.get('bug_id'))!r} lacks split field(s) {missing}")
        hole = row.get("hole_indent")
        return cls(
            str(row["prefix"]),
            str(row["buggy_chunk"]),
            str(row["fixed_chunk"]),
            str(row["suffix"]),
            None if hole is None else str(hole),
        )

    def with_middle(self, middle: str) -> str:
        """The function with ``middle`` in place of the buggy region (newline-terminated)."""
        if middle and not middle.endswith("\n"):
            middle += "\n"
        return self.prefix + middle + self.suffix


SPLIT_FIELDS = ("prefix", "buggy_chunk", "fixed_chunk", "suffix", "hole_indent")
"""A :class:`Split`'s fields, as the flat records (bugs.jsonl, the data's parquet) store them."""


def lines_of(text: str) -> list[str]:
    """``text`` as lines with their newlines; a missing final newline is added."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return lines


def split(buggy: str, fixed: str) -> Split:
    """Cut ``buggy``/``fixed`` at the span from the first to the last changed line.

    A pure insertion gives an empty ``buggy_chunk``; a pure deletion an empty ``fixed_chunk``.
    Raises :class:`NoChangeError` when no line changed.
    """
    a, b = lines_of(buggy), lines_of(fixed)
    # The matcher unified_diff uses (default autojunk), so long functions diff identically.
    matcher = difflib.SequenceMatcher(None, a, b)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not changes:
        raise NoChangeError("buggy and fixed functions have the same lines")
    tag, a_start, _, b_start, _ = changes[0]
    a_end, b_end = changes[-1][2], changes[-1][4]
    # unified_diff lists a replace as its '-' lines, then its '+' lines: the first marked line
    # is a buggy line unless the first change is a pure insertion.
    first_marked = b[b_start] if tag == "insert" else a[a_start]
    return Split(
        prefix="".join(a[:a_start]),
        buggy_chunk="".join(a[a_start:a_end]),
        fixed_chunk="".join(b[b_start:b_end]),
        suffix="".join(a[a_end:]),
        hole_indent=leading_whitespace(first_marked),
    )
