"""Offline generator of a synthetic, Megadiff-format training set.

Megadiff (``ASSERT-KTH/megadiff-single-function``) cannot be downloaded in offline
tests, so this module fabricates rows with exactly the same columns:

``diff`` (unified diff, ``--- a/<path>`` / ``+++ b/<path>`` header, ``@@`` hunks with
3 lines of context), ``is_single_chunk`` (the diff has one hunk),
``is_single_function`` (always True), ``buggy_function`` and ``fixed_function``.

The fixed function is a method of a small hand-written corpus (:data:`CORPUS`, original
code, the package resource ``data/SyntheticCorpus.java``), optionally with renamed
identifiers and method name; the buggy
function is the same method after one (sometimes two) seeded bug injections
(:data:`INJECTORS`). A few rows carry documented noise (:data:`NOISE_KINDS`) so that
the downstream filters (duplicates, buggy == fixed, empty fixed function,
comment-only changes) have something to remove.

Everything is pure and deterministic for a given seed; 5,000 rows take about 1.5 s and
72,393 rows (the size of Megadiff single-function) well under a minute.
"""

from __future__ import annotations

import difflib
import functools
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

from fimrepair.methodgen import generate_method

__all__ = [
    "CORPUS",
    "INJECTORS",
    "NOISE_KINDS",
    "MEGADIFF_COLUMNS",
    "Injector",
    "make_unified_diff",
    "apply_unified_diff",
    "vary_method",
    "inject_operator_swap",
    "inject_off_by_one",
    "inject_negated_condition",
    "inject_wrong_variable",
    "inject_missing_statement",
    "inject_wrong_literal",
    "inject_wrong_method_call",
    "generate_annotated_rows",
    "generate_megadiff_rows",
    "iter_corpus_methods",
]

MEGADIFF_COLUMNS: tuple[str, ...] = (
    "diff",
    "is_single_chunk",
    "is_single_function",
    "buggy_function",
    "fixed_function",
)

# --------------------------------------------------------------------------------------
# Corpus: original Java methods in the package resource data/SyntheticCorpus.java,
# formatted as members of its class (4-space signature, 8-space body). Binary operators
# are always written with spaces around them and generics without, which the injectors
# rely on.
# --------------------------------------------------------------------------------------

CORPUS_RESOURCE = "SyntheticCorpus.java"
"""The package resource (``fimrepair/data/``) holding the corpus as one Java class."""


def _split_corpus(text: str) -> tuple[str, ...]:
    """Split the corpus text into methods (blank-line separated), each ending in ``\\n``."""
    blocks = [b.strip("\n") for b in text.strip("\n").split("\n\n")]
    return tuple(b + "\n" for b in blocks if b.strip())


def _class_body(java: str) -> str:
    """The text between the class's opening line and its closing brace."""
    lines = java.split("\n")
    open_line = next(i for i, line in enumerate(lines) if line.startswith("public class "))
    close_line = max(i for i, line in enumerate(lines) if line == "}")
    return "\n".join(lines[open_line + 1 : close_line]) + "\n"


def load_corpus() -> tuple[str, ...]:
    """The corpus methods, read from :data:`CORPUS_RESOURCE`."""
    text = resources.files("fimrepair").joinpath("data", CORPUS_RESOURCE).read_text(encoding="utf-8")
    return _split_corpus(_class_body(text))


CORPUS: tuple[str, ...] = load_corpus()
"""The fixed (correct) methods the rows are derived from, before variation."""

# --------------------------------------------------------------------------------------
# Lexical helpers
# --------------------------------------------------------------------------------------

_JAVA_KEYWORDS = frozenset(
    """abstract assert boolean break byte case catch char class const continue default do
    double else enum extends final finally float for goto if implements import instanceof
    int interface long native new package private protected public return short static
    strictfp super switch synchronized this throw throws transient try void volatile while
    true false null var record yield""".split()
)

_WORD = re.compile(r"[A-Za-z_]\w*")


@functools.lru_cache(maxsize=65536)
def _code_mask(line: str) -> tuple[bool, ...]:
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


def _in_code(mask: tuple[bool, ...], start: int, end: int) -> bool:
    return all(mask[start:end])


@dataclass(frozen=True)
class _Edit:
    """Replace ``line[start:end]`` of line ``line_no`` by ``text`` (whole line if delete)."""

    line_no: int
    start: int
    end: int
    text: str
    delete_line: bool = False


def _apply_edit(lines: list[str], edit: _Edit) -> str:
    out = list(lines)
    if edit.delete_line:
        del out[edit.line_no]
    else:
        line = out[edit.line_no]
        out[edit.line_no] = line[: edit.start] + edit.text + line[edit.end :]
    return "\n".join(out) + "\n"


def _body(method: str) -> tuple[list[str], range]:
    """The method's lines (no trailing newline) and the indices of its body lines."""
    lines = method.rstrip("\n").split("\n")
    return lines, range(1, max(1, len(lines) - 1))


def _regex_edits(
    method: str,
    pattern: re.Pattern[str],
    make: Callable[[re.Match[str], str], str | None],
    quoted_in_code: bool = False,
) -> list[_Edit]:
    """Edits for every in-code match of ``pattern`` on a body line; ``make`` gives the
    replacement text (or None to skip). With ``quoted_in_code``, a match that is itself a
    quoted literal counts as code (literals are masked, so the mask cannot tell)."""
    lines, body = _body(method)
    edits: list[_Edit] = []
    for li in body:
        line = lines[li]
        if line.lstrip().startswith("//"):
            continue
        mask = _code_mask(line)
        for m in pattern.finditer(line):
            quoted = quoted_in_code and m.group(0)[0] in "'\""
            if not quoted and not _in_code(mask, m.start(), m.end()):
                continue
            repl = make(m, line)
            if repl is not None and repl != m.group(0):
                edits.append(_Edit(li, m.start(), m.end(), repl))
    return edits


def _pick(method: str, edits: list[_Edit], rng: random.Random) -> str | None:
    if not edits:
        return None
    lines, _ = _body(method)
    out = _apply_edit(lines, rng.choice(edits))
    return out if out != method else None


# --------------------------------------------------------------------------------------
# Bug injectors: (method_text, rng) -> mutated text or None when not applicable.
# --------------------------------------------------------------------------------------

Injector = Callable[[str, random.Random], "str | None"]

_OP_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "<": ("<=", ">"),
    "<=": ("<", ">="),
    ">": (">=", "<"),
    ">=": (">", "<="),
    "==": ("!=",),
    "!=": ("==",),
    "&&": ("||",),
    "||": ("&&",),
    "+": ("-",),
    "-": ("+",),
    "*": ("/", "+"),
    "/": ("*",),
    "%": ("/",),
    "+=": ("-=",),
    "-=": ("+=",),
    "*=": ("/=",),
}
_OP_RE = re.compile(r"(?<= )(<=|>=|==|!=|&&|\|\||\+=|-=|\*=|<|>|\+|-|\*|/|%)(?= )")


def inject_operator_swap(method: str, rng: random.Random) -> str | None:
    """Swap one binary operator (``<``/``<=``, ``+``/``-``, ``&&``/``||``, ``==``/``!=``...)."""

    def make(m: re.Match[str], line: str) -> str | None:
        op = m.group(1)
        if op in ("+", "+=") and ('"' in line or "'" in line):
            return None  # probably string concatenation
        return rng.choice(_OP_ALTERNATIVES[op])

    return _pick(method, _regex_edits(method, _OP_RE, make), rng)


_INT_RE = re.compile(r"(?<![\w.])\d+(?![\w.])")
_FOR_BOUND_RE = re.compile(r"(?<=; )(\w+ (?:<|<=|>|>=) )([^;]+)(?=;)")


def inject_off_by_one(method: str, rng: random.Random) -> str | None:
    """Shift an integer literal by one, or a ``for`` loop bound by ``- 1`` / ``+ 1``."""

    def lit(m: re.Match[str], line: str) -> str | None:
        v = int(m.group(0))
        cands = [v + 1] + ([v - 1] if v > 0 else [])
        return str(rng.choice(cands))

    def bound(m: re.Match[str], line: str) -> str | None:
        if not line.lstrip().startswith("for ("):
            return None
        return m.group(1) + m.group(2) + rng.choice((" - 1", " + 1"))

    edits = _regex_edits(method, _INT_RE, lit) + _regex_edits(method, _FOR_BOUND_RE, bound)
    return _pick(method, edits, rng)


_COND_START_RE = re.compile(r"\b(if|while) \(")
_SIMPLE_NEGATED = re.compile(r"^![\w.]+(\([^()]*\))?$")


def _matching_paren(line: str, open_idx: int) -> int | None:
    depth = 0
    mask = _code_mask(line)
    for k in range(open_idx, len(line)):
        if not mask[k]:
            continue
        if line[k] == "(":
            depth += 1
        elif line[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    return None


def inject_negated_condition(method: str, rng: random.Random) -> str | None:
    """Negate the condition of one ``if``/``while`` (or drop an existing ``!``)."""
    lines, body = _body(method)
    edits: list[_Edit] = []
    for li in body:
        line = lines[li]
        mask = _code_mask(line)
        for m in _COND_START_RE.finditer(line):
            if not _in_code(mask, m.start(), m.end()):
                continue
            open_idx = m.end() - 1
            close = _matching_paren(line, open_idx)
            if close is None:
                continue
            cond = line[open_idx + 1 : close]
            new = cond[1:] if _SIMPLE_NEGATED.match(cond) else f"!({cond})"
            edits.append(_Edit(li, open_idx + 1, close, new))
    return _pick(method, edits, rng)


_DECL_RE = re.compile(
    r"(?<![\w.])((?:int|long|double|float|boolean|char|byte|short|String|[A-Z]\w*(?:<[\w<>, ?.]*>)?)"
    r"(?:\[\])*) ([a-z]\w*)(?= *[=;:,)])"
)


@functools.lru_cache(maxsize=16384)
def _declarations_cached(method: str) -> tuple[tuple[str, str], ...]:
    return tuple(_declarations_uncached(method).items())


def _declarations(method: str) -> dict[str, str]:
    """Variable name -> declared type, for parameters and locals."""
    return dict(_declarations_cached(method))


def _declarations_uncached(method: str) -> dict[str, str]:
    """Variable name -> declared type, for parameters and locals."""
    decls: dict[str, str] = {}
    for line in method.split("\n"):
        mask = _code_mask(line)
        for m in _DECL_RE.finditer(line):
            if m.group(1) in ("return", "new") or not _in_code(mask, m.start(), m.end()):
                continue
            decls.setdefault(m.group(2), m.group(1))
    return decls


def inject_wrong_variable(method: str, rng: random.Random) -> str | None:
    """Replace one use of a variable by another in-scope variable of the same type."""
    decls = _declarations(method)
    if len(decls) < 2:
        return None
    by_type: dict[str, list[str]] = {}
    for name, typ in decls.items():
        by_type.setdefault(typ, []).append(name)
    lines, body = _body(method)
    edits: list[_Edit] = []
    for li in body:
        line = lines[li]
        mask = _code_mask(line)
        decl_spans = {m.start(2) for m in _DECL_RE.finditer(line)}
        for m in _WORD.finditer(line):
            name = m.group(0)
            if name not in decls or m.start() in decl_spans or not mask[m.start()]:
                continue
            before = line[: m.start()]
            if before.endswith((".", "::")) or line[m.end() :].lstrip().startswith("("):
                continue
            others = [o for o in by_type[decls[name]] if o != name]
            if others:
                edits.append(_Edit(li, m.start(), m.end(), rng.choice(others)))
    return _pick(method, edits, rng)


def inject_missing_statement(method: str, rng: random.Random) -> str | None:
    """Delete one simple statement line (not a declaration, ``return`` or ``for``)."""
    lines, body = _body(method)
    edits: list[_Edit] = []
    for li in body:
        stripped = lines[li].strip()
        if not stripped.endswith(";") or stripped.startswith(("return", "for ", "//", "throw")):
            continue
        if _DECL_RE.match(stripped):
            continue
        edits.append(_Edit(li, 0, 0, "", delete_line=True))
    return _pick(method, edits, rng)


_LITERAL_RE = re.compile(
    r"(?<![\w.])\d+\.\d+(?![\w.])|(?<![\w.])\d+(?![\w.])|\btrue\b|\bfalse\b|'(?:\\.|[^'\\])'|\"(?:\\.|[^\"\\])*\""
)
_CHAR_POOL = ("' '", "','", "'0'", "'a'", "'.'", "'_'", "'-'")
_STRING_POOL = ('""', '" "', '","', '"0"', '"none"', '"-"')


def inject_wrong_literal(method: str, rng: random.Random) -> str | None:
    """Replace a literal by a different constant (not an off-by-one of an int)."""

    def make(m: re.Match[str], _line: str) -> str:
        tok = m.group(0)
        if tok == "true":
            return "false"
        if tok == "false":
            return "true"
        if tok[0] == "'":
            return rng.choice([c for c in _CHAR_POOL if c != tok])
        if tok[0] == '"':
            return rng.choice([s for s in _STRING_POOL if s != tok])
        if "." in tok:
            return rng.choice([d for d in ("0.0", "0.5", "1.0", "2.0", "10.0") if d != tok])
        v = int(tok)
        return str(rng.choice([c for c in (0, 1, 2, 10, 100, v * 2) if abs(c - v) > 1]))

    return _pick(method, _regex_edits(method, _LITERAL_RE, make, quoted_in_code=True), rng)


_CALL_SWAPS: tuple[tuple[str, str], ...] = (
    ("Math.max(", "Math.min("),
    ("Math.min(", "Math.max("),
    ("Math.ceil(", "Math.floor("),
    ("Math.floor(", "Math.ceil("),
    (".startsWith(", ".endsWith("),
    (".endsWith(", ".startsWith("),
    (".indexOf(", ".lastIndexOf("),
    (".lastIndexOf(", ".indexOf("),
    (".toUpperCase(", ".toLowerCase("),
    (".toLowerCase(", ".toUpperCase("),
    ("Character.toUpperCase(", "Character.toLowerCase("),
    ("Character.toLowerCase(", "Character.toUpperCase("),
    ("Character.isUpperCase(", "Character.isLowerCase("),
    ("Character.isDigit(", "Character.isLetter("),
    ("Character.isLetter(", "Character.isLetterOrDigit("),
    (".containsKey(", ".containsValue("),
    (".trim()", ".strip()"),
    (".isEmpty()", ".isBlank()"),
    ("Math.abs(", "Math.negateExact("),
    ("Integer.MAX_VALUE", "Integer.MIN_VALUE"),
    ("Integer.MIN_VALUE", "Integer.MAX_VALUE"),
    (".push(", ".addLast("),
)
_CALL_RE = re.compile("|".join(re.escape(a) for a, _ in _CALL_SWAPS))
_CALL_MAP = dict(_CALL_SWAPS)


def inject_wrong_method_call(method: str, rng: random.Random) -> str | None:
    """Call the wrong API (``Math.max``/``Math.min``, ``startsWith``/``endsWith``...)."""

    def make(m: re.Match[str], line: str) -> str | None:
        return _CALL_MAP.get(m.group(0))

    return _pick(method, _regex_edits(method, _CALL_RE, make), rng)


INJECTORS: dict[str, Injector] = {
    "operator_swap": inject_operator_swap,
    "off_by_one": inject_off_by_one,
    "negated_condition": inject_negated_condition,
    "wrong_variable": inject_wrong_variable,
    "missing_statement": inject_missing_statement,
    "wrong_literal": inject_wrong_literal,
    "wrong_method_call": inject_wrong_method_call,
}
"""Bug injectors by name; each is pure given its ``random.Random``."""

# --------------------------------------------------------------------------------------
# Variation of the fixed method (renamed identifiers / method name)
# --------------------------------------------------------------------------------------

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
    return set(_WORD.findall(method))


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
        mask = _code_mask(line)
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
    decls = _declarations(method)
    out = method
    for old in sorted(decls):
        syns = _SYNONYMS.get(old)
        if not syns or rng.random() < 0.35:
            continue
        options = [s for s in syns if s not in words and s not in _JAVA_KEYWORDS]
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


# --------------------------------------------------------------------------------------
# Diffs
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------

NOISE_KINDS: dict[str, float] = {
    "duplicate": 0.02,
    "identical": 0.01,
    "empty_fixed": 0.01,
    "comment_only": 0.02,
}
"""Injected noise and its rate (exact count ``round(rate * n_rows)``, seeded positions).

- ``duplicate``: an exact copy (all five columns) of an earlier row.
- ``identical``: ``buggy_function == fixed_function``; the diff touches an import line
  outside the function (as in real Megadiff, where the change lies elsewhere in the file).
- ``empty_fixed``: ``fixed_function == ""``; the diff deletes the whole method.
- ``comment_only``: the two functions differ only in a ``//`` comment line.

All other rows (``clean``) have buggy != fixed and are unique as
(buggy_function, fixed_function) pairs (so no clean row is a duplicate of another under
any reasonable de-duplication key). About :data:`DOUBLE_BUG_RATE` of them carry two injected bugs (often
two hunks, ``is_single_chunk`` False).
"""

DOUBLE_BUG_RATE = 0.12

_ORGS = ("org", "com", "net", "io")
_VENDORS = ("acme", "openlab", "mercury", "nimbus", "quarry", "tundra", "vertex", "willow", "zephyr", "harbor")
_MODULES = ("util", "core", "common", "text", "algo", "collections", "support", "helpers", "lang", "misc")
_CLASSES = ("Utils", "Helper", "Tools", "Ops", "Support", "Functions", "Algorithms", "Commons", "Kit", "Lib")
_PREFIXES = ("String", "Array", "Math", "Collection", "Number", "Text", "List", "Search", "Sort", "Parse")
_COMMENTS = (
    "TODO: handle null input",
    "fast path",
    "see issue tracker",
    "keep in sync with the docs",
    "edge case: empty input",
    "NOTE: not thread safe",
    "FIXME: revisit for large inputs",
    "iterate over all elements",
    "result is never null",
)


def _random_path(rng: random.Random) -> str:
    return f"src/main/java/{rng.choice(_ORGS)}/{rng.choice(_VENDORS)}/{rng.choice(_MODULES)}/{rng.choice(_PREFIXES)}{rng.choice(_CLASSES)}.java"


def _n_hunks(diff: str) -> int:
    return sum(1 for line in diff.split("\n") if line.startswith("@@"))


def _row(buggy: str, fixed: str, diff: str) -> dict[str, object]:
    return {
        "diff": diff,
        "is_single_chunk": _n_hunks(diff) == 1,
        "is_single_function": True,
        "buggy_function": buggy,
        "fixed_function": fixed,
    }


_INJECTOR_LIST: tuple[Injector, ...] = tuple(INJECTORS.values())


def _mutate(method: str, rng: random.Random) -> str | None:
    order = list(_INJECTOR_LIST)
    rng.shuffle(order)
    for inj in order:
        out = inj(method, rng)
        if out is not None and out != method:
            return out
    return None


def _fixed_method(rng: random.Random, generated_share: float) -> str:
    """A corpus method (varied), or with probability ``generated_share`` a generated one
    (:mod:`fimrepair.methodgen`). With share 0 no extra draw is made, so rows are unchanged."""
    if generated_share > 0 and rng.random() < generated_share:
        return generate_method(rng)
    return vary_method(rng.choice(CORPUS), rng)


def _clean_row(rng: random.Random, generated_share: float = 0.0) -> dict[str, object]:
    while True:
        fixed = _fixed_method(rng, generated_share)
        buggy = _mutate(fixed, rng)
        if buggy is None:
            continue
        if rng.random() < DOUBLE_BUG_RATE:
            second = _mutate(buggy, rng)
            if second is not None and second != fixed:
                buggy = second
        offset = rng.randint(8, 400)
        return _row(buggy, fixed, make_unified_diff(buggy, fixed, _random_path(rng), offset))


def _identical_row(rng: random.Random) -> dict[str, object]:
    fixed = vary_method(rng.choice(CORPUS), rng)
    path = _random_path(rng)
    pkg = path[len("src/main/java/") :].rsplit("/", 1)[0].replace("/", ".")
    cls = path.rsplit("/", 1)[1][: -len(".java")]
    head = [
        f"package {pkg};",
        "",
        "import java.util.ArrayList;",
        "import java.util.List;",
        "import java.util.Map;",
        "",
        f"public class {cls} {{",
    ]
    new_head = list(head)
    new_head[rng.choice((2, 3, 4))] = rng.choice(("import java.util.*;", "import java.util.HashMap;"))
    diff = make_unified_diff("\n".join(head) + "\n", "\n".join(new_head) + "\n", path)
    return _row(fixed, fixed, diff)


def _empty_fixed_row(rng: random.Random) -> dict[str, object]:
    buggy = vary_method(rng.choice(CORPUS), rng)
    if rng.random() < 0.5:
        buggy = _mutate(buggy, rng) or buggy
    return _row(buggy, "", make_unified_diff(buggy, "", _random_path(rng), rng.randint(8, 400)))


def _comment_only_row(rng: random.Random) -> dict[str, object]:
    fixed = vary_method(rng.choice(CORPUS), rng)
    lines, body = _body(fixed)
    li = rng.choice(list(body))
    indent = lines[li][: len(lines[li]) - len(lines[li].lstrip())]
    c1, c2 = rng.sample(_COMMENTS, 2)
    fixed_lines = lines[:li] + [f"{indent}// {c1}"] + lines[li:]
    if rng.random() < 0.5:
        buggy_lines = lines  # comment added by the fix
    else:
        buggy_lines = lines[:li] + [f"{indent}// {c2}"] + lines[li:]  # comment reworded
    buggy = "\n".join(buggy_lines) + "\n"
    fixed = "\n".join(fixed_lines) + "\n"
    return _row(buggy, fixed, make_unified_diff(buggy, fixed, _random_path(rng), rng.randint(8, 400)))


_MAKERS: dict[str, Callable[[random.Random], dict[str, object]]] = {
    "clean": _clean_row,
    "identical": _identical_row,
    "empty_fixed": _empty_fixed_row,
    "comment_only": _comment_only_row,
}


def generate_annotated_rows(
    n_rows: int, seed: int, generated_share: float = 0.0
) -> tuple[list[dict[str, object]], list[str]]:
    """Like :func:`generate_megadiff_rows`, also returning each row's kind
    (``"clean"`` or a key of :data:`NOISE_KINDS`)."""
    if n_rows < 0:
        raise ValueError("n_rows must be >= 0")
    if not 0.0 <= generated_share <= 1.0:
        raise ValueError(f"generated_share must lie in [0, 1], got {generated_share}")
    makers = {**_MAKERS, "clean": functools.partial(_clean_row, generated_share=generated_share)}
    rng = random.Random(f"fimrepair.synthetic:{seed}")
    counts = {k: round(rate * n_rows) for k, rate in NOISE_KINDS.items()}
    n_dup = counts.pop("duplicate") if n_rows > 1 else 0
    n_base = n_rows - n_dup
    base_kinds = ["clean"] * n_base
    noise_slots = rng.sample(range(n_base), min(n_base, sum(counts.values())))
    it = iter(noise_slots)
    for kind, c in counts.items():
        for _ in range(c):
            slot = next(it, None)
            if slot is not None:
                base_kinds[slot] = kind

    seen: set[tuple[object, ...]] = set()
    base_rows: list[dict[str, object]] = []
    for kind in base_kinds:
        maker = makers[kind]
        for _attempt in range(100):
            row = maker(rng)
            # clean rows are unique as (buggy, fixed) pairs; noise rows as whole rows
            key = (
                (row["buggy_function"], row["fixed_function"])
                if kind == "clean"
                else (kind, row["buggy_function"], row["fixed_function"], row["diff"])
            )
            if key not in seen:
                break
        seen.add(key)
        base_rows.append(row)

    rows: list[dict[str, object]] = list(base_rows)
    kinds: list[str] = list(base_kinds)
    for _ in range(n_dup):
        pos = rng.randint(1, len(rows))  # insert before index pos, so source < pos
        src = rng.randrange(pos)
        rows.insert(pos, dict(rows[src]))
        kinds.insert(pos, "duplicate")
    return rows, kinds


def generate_megadiff_rows(n_rows: int, seed: int, generated_share: float = 0.0) -> list[dict[str, object]]:
    """``n_rows`` synthetic Megadiff single-function rows, deterministic for ``seed``.

    Each row is a dict with exactly :data:`MEGADIFF_COLUMNS`; see :data:`NOISE_KINDS`
    for the noise it contains. A share ``generated_share`` of the clean rows is built on
    generated methods (:mod:`fimrepair.methodgen`) instead of the corpus."""
    return generate_annotated_rows(n_rows, seed, generated_share)[0]


def iter_corpus_methods() -> Iterable[str]:
    """The corpus methods (for overlap checks against a benchmark)."""
    return iter(CORPUS)
