"""Meaning-preserving variation of a Java method: some locals and parameters renamed to
synonyms that do not collide, and possibly a suffixed method name, so that the synthetic
rows built on one corpus method do not all repeat it verbatim.
"""

from __future__ import annotations

import functools
import random
import re

from fimrepair.synthetic.lexing import JAVA_KEYWORDS, WORD, code_mask, declarations

__all__ = ["vary_method"]

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "arr": ("values", "nums", "data", "xs", "items", "input", "elements"),
    "nums": ("arr", "values", "data", "numbers", "xs", "ints"),
    "values": ("arr", "nums", "data", "elems", "vals", "numbers"),
    "s": ("str", "text", "input", "line", "src", "value"),
    "text": ("s", "str", "input", "source", "content", "raw"),
    "total": ("sum", "acc", "running", "agg", "accum", "tally"),
    "count": ("cnt", "hits", "tally", "num", "matches", "counter"),
    "result": ("res", "out", "answer", "ret", "output", "acc"),
    "i": ("k", "idx", "p", "pos", "ii"),
    "j": ("q", "jj", "w", "jdx"),
    "sb": ("builder", "buf", "out", "buffer", "acc"),
    "lo": ("left", "low", "start", "l", "from"),
    "hi": ("right", "high", "end", "r", "upto"),
    "mid": ("middle", "pivot", "m", "half"),
    "best": ("max", "top", "largest", "champ", "winner"),
    "key": ("k", "needle", "wanted", "probe"),
    "target": ("key", "needle", "wanted", "goal", "sought"),
    "n": ("len", "size", "limit", "cnt0", "total0"),
    "c": ("ch", "cur", "symbol", "chr"),
    "x": ("v", "val", "elem", "e0", "item"),
    "word": ("token", "w", "part", "term"),
    "words": ("tokens", "parts", "terms"),
    "counts": ("freq", "table", "tally", "histogram"),
    "out": ("result", "res", "dest", "target0"),
    "prev": ("last", "before", "older"),
    "cur": ("curr", "current", "now"),
    "tmp": ("temp", "swap", "t0", "held"),
    "seen": ("visited", "found", "known"),
    "line": ("row", "record", "entry0"),
    "value": ("val", "v", "number", "input0"),
    "a": ("first", "lhs", "u", "left0"),
    "b": ("second", "rhs", "w2", "right0"),
    "fields": ("cols", "cells", "tokens0"),
    "start": ("begin", "from0", "mark"),
    "end": ("stop", "limit0", "upto0"),
    "diff": ("mismatches", "delta", "distance"),
    "acc": ("product", "running", "prod"),
    "freq": ("hist", "letters", "tally0"),
    "sep": ("delimiter", "glue", "joiner"),
    "parts": ("pieces", "items0", "segments"),
}
_NAME_SUFFIXES = ("", "", "", "Impl", "Internal", "Safe", "Helper", "Checked", "Fast", "Of", "Util", "V2")
_SIG_NAME_RE = re.compile(r"^(\s*(?:public|private|protected)?\s*(?:static\s+)?[\w<>\[\], ?]+?\s)(\w+)(\()")


def _words_in_code(method: str) -> set[str]:
    return set(WORD.findall(method))


@functools.lru_cache(maxsize=1024)
def _ident_pattern(old: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.:])\b{re.escape(old)}\b(?!\s*\()")


def _rename_identifier(method: str, old: str, new: str) -> str:
    """Rename whole-word uses of a local/parameter ``old`` (not member accesses, calls,
    literals or comments)."""
    out_lines = []
    pat = _ident_pattern(old)
    for line in method.split("\n"):
        if old not in line:
            out_lines.append(line)
            continue
        if '"' not in line and "'" not in line and "//" not in line:
            out_lines.append(pat.sub(new, line))
            continue
        mask = code_mask(line)
        pieces: list[str] = []
        last = 0
        for m in pat.finditer(line):
            if not mask[m.start()]:
                continue
            pieces.append(line[last : m.start()])
            pieces.append(new)
            last = m.end()
        pieces.append(line[last:])
        out_lines.append("".join(pieces))
    return "\n".join(out_lines)


def vary_method(method: str, rng: random.Random) -> str:
    """A semantically equivalent variant of ``method``: some locals/parameters renamed
    (synonyms that do not collide) and possibly a suffixed method name."""
    words = _words_in_code(method)
    decls = declarations(method)
    out = method
    for old in sorted(decls):
        syns = _SYNONYMS.get(old)
        if not syns or rng.random() < 0.35:
            continue
        options = [s for s in syns if s not in words and s not in JAVA_KEYWORDS]
        if not options:
            continue
        new = rng.choice(options)
        out = _rename_identifier(out, old, new)
        words = _words_in_code(out)
    suffix = rng.choice(_NAME_SUFFIXES)
    if suffix:
        first, rest = out.split("\n", 1)
        m = _SIG_NAME_RE.match(first)
        if m:
            first = first[: m.end(2)] + suffix + first[m.end(2) :]
            out = first + "\n" + rest
    return out
