"""Line-level lexing of the synthetic corpus's Java methods.

The corpus (:data:`fimrepair.synthetic.CORPUS`) is formatted as members of one class
(4-space signature, 8-space body), binary operators with spaces around them and generics
without; the bug injectors (:mod:`fimrepair.synthetic.injectors`) and the variation
(:mod:`fimrepair.synthetic.variation`) rely on that and on these helpers: which characters
of a line are code, a method's body lines, and its declared variables.
"""

from __future__ import annotations

import functools
import re

__all__ = ["DECL_RE", "JAVA_KEYWORDS", "WORD", "code_mask", "declarations", "in_code", "method_body"]

JAVA_KEYWORDS = frozenset(
    """abstract assert boolean break byte case catch char class const continue default do
    double else enum extends final finally float for goto if implements import instanceof
    int interface long native new package private protected public return short static
    strictfp super switch synchronized this throw throws transient try void volatile while
    true false null var record yield""".split()
)

WORD = re.compile(r"[A-Za-z_]\w*")


@functools.lru_cache(maxsize=65536)
def code_mask(line: str) -> tuple[bool, ...]:
    """Per character: True when it is code (not inside a string/char literal or comment)."""
    mask = [True] * len(line)
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "/" and i + 1 < n and line[i + 1] == "/":
            for k in range(i, n):
                mask[k] = False
            break
        if ch in "\"'":
            quote = ch
            start = i
            i += 1
            while i < n and line[i] != quote:
                i += 2 if line[i] == "\\" else 1
            end = min(i, n - 1)
            for k in range(start, end + 1):
                mask[k] = False
            i = end + 1
            continue
        i += 1
    return tuple(mask)


def in_code(mask: tuple[bool, ...], start: int, end: int) -> bool:
    return all(mask[start:end])


def method_body(method: str) -> tuple[list[str], range]:
    """The method's lines (no trailing newline) and the indices of its body lines."""
    lines = method.rstrip("\n").split("\n")
    return lines, range(1, max(1, len(lines) - 1))


DECL_RE = re.compile(
    r"(?<![\w.])((?:int|long|double|float|boolean|char|byte|short|String|[A-Z]\w*(?:<[\w<>, ?.]*>)?)"
    r"(?:\[\])*) ([a-z]\w*)(?= *[=;:,)])"
)


@functools.lru_cache(maxsize=16384)
def _declarations_cached(method: str) -> tuple[tuple[str, str], ...]:
    return tuple(_declarations_uncached(method).items())


def declarations(method: str) -> dict[str, str]:
    """Variable name -> declared type, for parameters and locals."""
    return dict(_declarations_cached(method))


def _declarations_uncached(method: str) -> dict[str, str]:
    """Variable name -> declared type, for parameters and locals."""
    decls: dict[str, str] = {}
    for line in method.split("\n"):
        mask = code_mask(line)
        for m in DECL_RE.finditer(line):
            if m.group(1) in ("return", "new") or not in_code(mask, m.start(), m.end()):
                continue
            decls.setdefault(m.group(2), m.group(1))
    return decls
