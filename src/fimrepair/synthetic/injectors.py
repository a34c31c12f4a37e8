"""Seeded bug injectors for Java methods: ``(method_text, rng) -> mutated text`` or None
when an injector does not apply (operator swap, off-by-one, negated condition, wrong
variable, missing statement, wrong literal, wrong method call). Each is pure given its
``random.Random``; :func:`fimrepair.synthetic.generate_megadiff_rows` applies them to the
corpus methods, and the tiny benchmark's bugs are written in the same families.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from fimrepair.synthetic.lexing import DECL_RE, WORD, code_mask, declarations, in_code, method_body

__all__ = [
    "INJECTORS",
    "Injector",
    "inject_operator_swap",
    "inject_off_by_one",
    "inject_negated_condition",
    "inject_wrong_variable",
    "inject_missing_statement",
    "inject_wrong_literal",
    "inject_wrong_method_call",
]


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


def _regex_edits(
    method: str,
    pattern: re.Pattern[str],
    make: Callable[[re.Match[str], str], str | None],
    quoted_in_code: bool = False,
) -> list[_Edit]:
    """Edits for every in-code match of ``pattern`` on a body line; ``make`` gives the
    replacement text (or None to skip). With ``quoted_in_code``, a match that is itself a
    quoted literal counts as code (literals are masked, so the mask cannot tell)."""
    lines, body = method_body(method)
    edits: list[_Edit] = []
    for li in body:
        line = lines[li]
        if line.lstrip().startswith("//"):
            continue
        mask = code_mask(line)
        for m in pattern.finditer(line):
            quoted = quoted_in_code and m.group(0)[0] in "'\""
            if not quoted and not in_code(mask, m.start(), m.end()):
                continue
            repl = make(m, line)
            if repl is not None and repl != m.group(0):
                edits.append(_Edit(li, m.start(), m.end(), repl))
    return edits


def _pick(method: str, edits: list[_Edit], rng: random.Random) -> str | None:
    if not edits:
        return None
    lines, _ = method_body(method)
    out = _apply_edit(lines, rng.choice(edits))
    return out if out != method else None


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
    mask = code_mask(line)
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
    lines, body = method_body(method)
    edits: list[_Edit] = []
    for li in body:
        line = lines[li]
        mask = code_mask(line)
        for m in _COND_START_RE.finditer(line):
            if not in_code(mask, m.start(), m.end()):
                continue
            open_idx = m.end() - 1
            close = _matching_paren(line, open_idx)
            if close is None:
                continue
            cond = line[open_idx + 1 : close]
            new = cond[1:] if _SIMPLE_NEGATED.match(cond) else f"!({cond})"
            edits.append(_Edit(li, open_idx + 1, close, new))
    return _pick(method, edits, rng)


def inject_wrong_variable(method: str, rng: random.Random) -> str | None:
    """Replace one use of a variable by another in-scope variable of the same type."""
    decls = declarations(method)
    if len(decls) < 2:
        return None
    by_type: dict[str, list[str]] = {}
    for name, typ in decls.items():
        by_type.setdefault(typ, []).append(name)
    lines, body = method_body(method)
    edits: list[_Edit] = []
    for li in body:
        line = lines[li]
        mask = code_mask(line)
        decl_spans = {m.start(2) for m in DECL_RE.finditer(line)}
        for m in WORD.finditer(line):
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
    lines, body = method_body(method)
    edits: list[_Edit] = []
    for li in body:
        stripped = lines[li].strip()
        if not stripped.endswith(";") or stripped.startswith(("return", "for ", "//", "throw")):
            continue
        if DECL_RE.match(stripped):
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
