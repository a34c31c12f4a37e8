"""The buggy region of a function-level bug fix (perfect fault localisation).

As in RepairLLaMA, the region is ONE span of lines: from the first to the last line that the
buggy -> fixed diff changes (several hunks become one span). Lines are compared with their
surrounding whitespace stripped, so re-indentation alone is not a change.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


class NoChangeError(ValueError):
    """The buggy and fixed functions are equal up to whitespace: there is no region."""


@dataclass(frozen=True)
class Split:
    """A function pair cut at its buggy region. Every part is whole lines (newlines kept).

    ``prefix + buggy_chunk + suffix`` is the buggy function and ``prefix + fixed_chunk +
    suffix`` the fixed one (up to whitespace inside unchanged lines, taken from the buggy side).
    """

    prefix: str
    buggy_chunk: str
    fixed_chunk: str
    suffix: str

    @property
    def buggy(self) -> str:
        return self.prefix + self.buggy_chunk + self.suffix

    @property
    def fixed(self) -> str:
        return self.prefix + self.fixed_chunk + self.suffix

    def with_middle(self, middle: str) -> str:
        """The function with ``middle`` in place of the buggy region (newline-terminated)."""
        if middle and not middle.endswith("\n"):
            middle += "\n"
        return self.prefix + middle + self.suffix


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def split(buggy: str, fixed: str) -> Split:
    """Cut ``buggy``/``fixed`` at the span from the first to the last changed line.

    A pure insertion gives an empty ``buggy_chunk``; a pure deletion an empty ``fixed_chunk``.
    Raises :class:`NoChangeError` when nothing but whitespace changed.
    """
    a, b = _lines(buggy), _lines(fixed)
    matcher = difflib.SequenceMatcher(None, [x.strip() for x in a], [x.strip() for x in b], autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not changes:
        raise NoChangeError("buggy and fixed functions are equal up to whitespace")
    a_start, b_start = changes[0][1], changes[0][3]
    a_end, b_end = changes[-1][2], changes[-1][4]
    return Split(
        prefix="".join(a[:a_start]),
        buggy_chunk="".join(a[a_start:a_end]),
        fixed_chunk="".join(b[b_start:b_end]),
        suffix="".join(a[a_end:]),
    )
