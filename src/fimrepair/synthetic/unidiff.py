"""Unified diffs as ``git diff`` prints them (the Megadiff ``diff`` column), and applying
one by context matching."""

from __future__ import annotations

import difflib
import re

__all__ = ["apply_unified_diff", "make_unified_diff"]

_HUNK_RE = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def make_unified_diff(before: str, after: str, path: str, line_offset: int = 0) -> str:
    """Unified diff (3 lines of context) between two texts, as ``git diff`` would print
    it for ``path``; hunk line numbers are shifted by ``line_offset`` (the position of
    the text inside its file). Empty string when the texts are equal."""
    a = before.splitlines()
    b = after.splitlines()
    lines = list(difflib.unified_diff(a, b, fromfile=f"a/{path}", tofile=f"b/{path}", n=3, lineterm=""))
    if not lines:
        return ""
    out: list[str] = []
    for line in lines:
        m = _HUNK_RE.match(line)
        if m and line_offset:
            s1 = int(m.group(1)) + line_offset
            s2 = int(m.group(3)) + line_offset
            line = f"@@ -{s1}{m.group(2) or ''} +{s2}{m.group(4) or ''} @@" + line[m.end() :]
        out.append(line)
    return "\n".join(out) + "\n"


def _hunks(diff: str) -> list[list[str]]:
    hunks: list[list[str]] = []
    for line in diff.split("\n"):
        if line.startswith("@@"):
            hunks.append([])
        elif hunks and line and line[0] in " +-\\" and not line.startswith(("--- ", "+++ ")):
            hunks[-1].append(line)
    return hunks


def apply_unified_diff(text: str, diff: str) -> str:
    """Apply ``diff`` to ``text`` by context matching (line numbers are ignored, so a
    function-level text can be patched with a file-level diff). Raises ValueError when a
    hunk does not match."""
    lines = text.splitlines()
    pos = 0
    out: list[str] = []
    for hunk in _hunks(diff):
        old = [h[1:] for h in hunk if h[0] in " -"]
        new = [h[1:] for h in hunk if h[0] in " +"]
        found = -1
        for k in range(pos, len(lines) - len(old) + 1):
            if lines[k : k + len(old)] == old:
                found = k
                break
        if found < 0:
            raise ValueError("hunk does not apply")
        out.extend(lines[pos:found])
        out.extend(new)
        pos = found + len(old)
    out.extend(lines[pos:])
    return "\n".join(out) + ("\n" if out else "")
