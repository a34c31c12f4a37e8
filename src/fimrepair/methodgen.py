"""Procedurally generated Java methods: an open-ended, seeded supply of small, compilable
methods in the style of :data:`fimrepair.synthetic.CORPUS` (4-space signature, 8-space body,
binary operators with spaces around them, so the bug injectors apply unchanged).

Why: a hand-written corpus of about a hundred methods is memorised by a small model in a few
hundred steps, and then fine-tuning on bugs injected into those methods teaches it to recall
each method's fixed line, not to repair: it transfers nothing to methods it has never seen.
Methods built from statement templates with random names, literals, operators and shapes
cannot be memorised, so the fine-tuned model has to read the buggy lines it is given, as a
real model fine-tuned on Megadiff must. The tiny configuration mixes them into the synthetic
set (``data.synthetic_generated``); no benchmark method is generated here.

:func:`generate_method` is pure given its ``random.Random``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["generate_method", "TEMPLATES"]

_VERBS = (
    "count",
    "sum",
    "find",
    "scan",
    "measure",
    "total",
    "score",
    "check",
    "collect",
    "tally",
    "probe",
    "rank",
    "weigh",
    "track",
)
_NOUNS = (
    "Items",
    "Values",
    "Steps",
    "Marks",
    "Peaks",
    "Gaps",
    "Hits",
    "Runs",
    "Cells",
    "Slots",
    "Points",
    "Tokens",
    "Chars",
    "Digits",
    "Blocks",
    "Levels",
    "Rows",
    "Pairs",
    "Spans",
    "Ticks",
    "Units",
    "Bits",
    "Words",
    "Flags",
)
_ARRAYS = (
    "values",
    "nums",
    "data",
    "xs",
    "items",
    "scores",
    "weights",
    "readings",
    "samples",
    "costs",
    "heights",
    "counts0",
    "grid",
    "deltas",
)
_ACCS = (
    "total",
    "sum",
    "acc",
    "count",
    "hits",
    "result",
    "score",
    "found",
    "tally",
    "amount",
    "steps",
    "matches",
    "seen",
    "best",
)
_INDEXES = ("i", "j", "k", "p", "q", "idx", "pos", "n0")
_ELEMS = ("v", "x", "e", "val", "item", "elem", "w", "cur")
_PARAMS = (
    "limit",
    "target",
    "bound",
    "cap",
    "floor",
    "step",
    "offset",
    "threshold",
    "base",
    "factor",
    "width",
    "min0",
    "max0",
)
_STRINGS = ("text", "s", "word", "line", "name", "input", "source", "label", "code", "token")
_CHARS = ("c", "ch", "letter", "symbol", "cur")
_NUMS = ("n", "num", "value", "number", "m", "amount0", "left", "rest")
_CMP = ("<", "<=", ">", ">=", "==", "!=")
_LOOP_CMP = ("<", "<=")
_ARITH = ("+", "-", "*")
_COMPOUND = ("+=", "-=", "*=")
_CHAR_TESTS = (
    "Character.isDigit",
    "Character.isLetter",
    "Character.isUpperCase",
    "Character.isLowerCase",
    "Character.isWhitespace",
)
_CHAR_LITS = ("' '", "','", "'0'", "'a'", "'.'", "'-'", "'x'", "'('", "')'")


def _name(rng: random.Random) -> str:
    return rng.choice(_VERBS) + rng.choice(_NOUNS)


def _pick(rng: random.Random, pool: tuple[str, ...], used: set[str]) -> str:
    choice = rng.choice([x for x in pool if x not in used])
    used.add(choice)
    return choice


def _lit(rng: random.Random) -> str:
    return str(rng.choice((0, 1, 2, 3, 5, 10, 100, rng.randint(2, 50))))


def _cond(rng: random.Random, a: str, b: str) -> str:
    return f"{a} {rng.choice(_CMP)} {b}"


def _array_loop(rng: random.Random) -> list[str]:
    """Accumulate over an int array by index, maybe under a condition."""
    used: set[str] = set()
    arr, acc, i = _pick(rng, _ARRAYS, used), _pick(rng, _ACCS, used), _pick(rng, _INDEXES, used)
    extra = rng.random() < 0.5
    par = _pick(rng, _PARAMS, used) if extra else ""
    params = f"int[] {arr}" + (f", int {par}" if extra else "")
    start = rng.choice(("0", "0", "1"))
    elem = f"{arr}[{i}]" if start == "0" else rng.choice((f"{arr}[{i}]", f"{arr}[{i} - 1]"))
    body = [
        f"int {acc} = {rng.choice(('0', '0', '1'))};",
        f"for (int {i} = {start}; {i} {rng.choice(_LOOP_CMP[:1] * 3 + _LOOP_CMP)} {arr}.length; {i}++) {{",
    ]
    stmt = f"{acc} {rng.choice(_COMPOUND[:2])} {rng.choice((elem, elem, f'{elem} {rng.choice(_ARITH)} {_lit(rng)}', f'{elem} * {i}'))};"
    if rng.random() < 0.6:
        rhs = par if extra and rng.random() < 0.6 else _lit(rng)
        cond = _cond(rng, elem if rng.random() < 0.7 else f"{elem} % 2", rhs)
        if rng.random() < 0.3:
            cond += f" {rng.choice(('&&', '||'))} {_cond(rng, i, _lit(rng))}"
        body += [f"    if ({cond}) {{", f"        {stmt}", "    }"]
    else:
        body.append(f"    {stmt}")
    body += ["}", f"return {acc};"]
    return [f"public static int {_name(rng)}({params}) {{"] + body


def _foreach_extreme(rng: random.Random) -> list[str]:
    """Track a maximum or minimum (or a count of records) over an array."""
    used: set[str] = set()
    arr, best, v = (
        _pick(rng, _ARRAYS, used),
        _pick(rng, ("best", "top", "low", "high", "peak", "edge", "record"), used),
        _pick(rng, _ELEMS, used),
    )
    big = rng.random() < 0.5
    init = "Integer.MIN_VALUE" if big else "Integer.MAX_VALUE"
    body = [f"int {best} = {init};"]
    counter = rng.random() < 0.3
    if counter:
        cnt = _pick(rng, _ACCS, used)
        body.append(f"int {cnt} = 0;")
    body.append(f"for (int {v} : {arr}) {{")
    if counter or rng.random() < 0.5:
        body += [f"    if ({v} {'>' if big else '<'} {best}) {{", f"        {best} = {v};"]
        if counter:
            body.append(f"        {cnt}++;")
        body.append("    }")
    else:
        body.append(f"    {best} = Math.{'max' if big else 'min'}({best}, {v});")
    body += ["}", f"return {cnt if counter else best};"]
    return [f"public static int {_name(rng)}(int[] {arr}) {{"] + body


def _string_scan(rng: random.Random) -> list[str]:
    """Count (or sum) characters of a string that pass a test."""
    used: set[str] = set()
    s, acc, i, c = (
        _pick(rng, _STRINGS, used),
        _pick(rng, _ACCS, used),
        _pick(rng, _INDEXES, used),
        _pick(rng, _CHARS, used),
    )
    body = [f"int {acc} = 0;"]
    if rng.random() < 0.5:
        body += [f"for (int {i} = 0; {i} < {s}.length(); {i}++) {{", f"    char {c} = {s}.charAt({i});"]
    else:
        body.append(f"for (char {c} : {s}.toCharArray()) {{")
    test = (
        f"{rng.choice(_CHAR_TESTS)}({c})"
        if rng.random() < 0.6
        else f"{c} {rng.choice(('==', '!='))} {rng.choice(_CHAR_LITS)}"
    )
    if rng.random() < 0.3:
        test = f"{test} {rng.choice(('&&', '||'))} {c} {rng.choice(('==', '!='))} {rng.choice(_CHAR_LITS)}"
    inc = rng.choice((f"{acc}++;", f"{acc} += {rng.choice(('1', '2', f'{c} - {chr(39)}0{chr(39)}'))};"))
    body += [f"    if ({test}) {{", f"        {inc}", "    }", "}", f"return {acc};"]
    return [f"public static int {_name(rng)}(String {s}) {{"] + body


def _digit_loop(rng: random.Random) -> list[str]:
    """Take a number apart digit by digit (or halve it) in a while loop."""
    used: set[str] = set()
    n, acc = _pick(rng, _NUMS, used), _pick(rng, _ACCS, used)
    base = rng.choice(("10", "10", "2", "8"))
    body = [f"int {acc} = {rng.choice(('0', '0', '1'))};"]
    if rng.random() < 0.4:
        body += [f"if ({n} {rng.choice(('<', '<=', '=='))} 0) {{", f"    return {rng.choice(('0', '-1', '1'))};", "}"]
    body.append(f"while ({n} {rng.choice(('>', '>', '!=', '>='))} {rng.choice(('0', '0', '1', '9'))}) {{")
    op = rng.choice((f"{acc} += {n} % {base};", f"{acc}++;", f"{acc} = {acc} * {base} + {n} % {base};"))
    if rng.random() < 0.3:
        body += [f"    if ({n} % {base} {rng.choice(('==', '!=', '>'))} {_lit(rng)}) {{", f"        {op}", "    }"]
    else:
        body.append(f"    {op}")
    body += [
        f"    {n} {rng.choice(('/=', '/='))} {base};" if rng.random() < 0.5 else f"    {n} = {n} / {base};",
        "}",
        f"return {acc};",
    ]
    return [f"public static int {_name(rng)}(int {n}) {{"] + body


def _search(rng: random.Random) -> list[str]:
    """Return the first position (or whether one exists) matching a condition."""
    used: set[str] = set()
    arr, i, par = _pick(rng, _ARRAYS, used), _pick(rng, _INDEXES, used), _pick(rng, _PARAMS, used)
    boolean = rng.random() < 0.4
    cond = _cond(rng, f"{arr}[{i}]", par)
    if rng.random() < 0.3:
        cond = _cond(rng, f"{arr}[{i}] {rng.choice(_ARITH)} {arr}[{i} - 1]", par)
        start = "1"
    else:
        start = "0"
    hit, miss = ("true", "false") if boolean else (i, "-1")
    body = [
        f"for (int {i} = {start}; {i} < {arr}.length; {i}++) {{",
        f"    if ({cond}) {{",
        f"        return {hit};",
        "    }",
        "}",
        f"return {miss};",
    ]
    return [f"public static {'boolean' if boolean else 'int'} {_name(rng)}(int[] {arr}, int {par}) {{"] + body


def _branches(rng: random.Random) -> list[str]:
    """A chain of threshold checks returning constants, then a computed fallback."""
    used: set[str] = set()
    a, b = _pick(rng, _NUMS, used), _pick(rng, _PARAMS, used)
    ret_str = rng.random() < 0.4
    levels = sorted(rng.sample(range(1, 100), rng.randint(2, 3)), reverse=True)
    words = ('"high"', '"mid"', '"low"', '"none"', '"ok"', '"bad"', '"full"', '"empty"')
    body: list[str] = []
    op = rng.choice((">=", ">"))
    for lv in levels:
        val = rng.choice(words) if ret_str else _lit(rng)
        body += [f"if ({a} {op} {lv}) {{", f"    return {val};", "}"]
    if ret_str:
        body.append(f"return {rng.choice(words)};")
    else:
        body.append(f"return {a} {rng.choice(_ARITH)} {b};")
    return [f"public static {'String' if ret_str else 'int'} {_name(rng)}(int {a}, int {b}) {{"] + body


def _pairs(rng: random.Random) -> list[str]:
    """Nested loops over pairs of positions."""
    used: set[str] = set()
    arr, acc, i, j = (
        _pick(rng, _ARRAYS, used),
        _pick(rng, _ACCS, used),
        _pick(rng, ("i", "p", "a0"), used),
        _pick(rng, ("j", "q", "b0"), used),
    )
    par = _pick(rng, _PARAMS, used)
    cond = rng.choice(
        (
            f"{arr}[{i}] {rng.choice(_ARITH[:2])} {arr}[{j}] {rng.choice(_CMP)} {par}",
            _cond(rng, f"{arr}[{i}]", f"{arr}[{j}]"),
        )
    )
    body = [
        f"int {acc} = 0;",
        f"for (int {i} = 0; {i} < {arr}.length; {i}++) {{",
        f"    for (int {j} = {i} + 1; {j} < {arr}.length; {j}++) {{",
        f"        if ({cond}) {{",
        f"            {acc}++;",
        "        }",
        "    }",
        "}",
        f"return {acc};",
    ]
    return [f"public static int {_name(rng)}(int[] {arr}, int {par}) {{"] + body


def _builder(rng: random.Random) -> list[str]:
    """Build a string from the characters of another, keeping or changing some."""
    used: set[str] = set()
    s, sb, c = (
        _pick(rng, _STRINGS, used),
        _pick(rng, ("sb", "out", "buf", "kept", "builder"), used),
        _pick(rng, _CHARS, used),
    )
    test = f"{rng.choice(('', '!'))}{rng.choice(_CHAR_TESTS)}({c})"
    act = rng.choice(
        (f"{sb}.append({c});", f"{sb}.append(Character.toUpperCase({c}));", f"{sb}.append(Character.toLowerCase({c}));")
    )
    body = [
        f"StringBuilder {sb} = new StringBuilder();",
        f"for (char {c} : {s}.toCharArray()) {{",
        f"    if ({test}) {{",
        f"        {act}",
    ]
    if rng.random() < 0.4:
        body += ["    } else {", f"        {sb}.append({rng.choice(_CHAR_LITS)});"]
    body += ["    }", "}", f"return {sb}.toString();"]
    return [f"public static String {_name(rng)}(String {s}) {{"] + body


def _arith(rng: random.Random) -> list[str]:
    """Straight-line arithmetic on a few parameters, maybe with an early exit."""
    used: set[str] = set()
    a, b, c = _pick(rng, _NUMS, used), _pick(rng, _PARAMS, used), _pick(rng, _PARAMS, used)
    t1, t2 = _pick(rng, _ACCS, used), _pick(rng, _ACCS, used)
    body: list[str] = []
    if rng.random() < 0.5:
        body += [f"if ({_cond(rng, b, '0')}) {{", f"    return {rng.choice(('0', '-1', a))};", "}"]
    body += [
        f"int {t1} = {a} {rng.choice(_ARITH)} {b};",
        f"int {t2} = {rng.choice((f'Math.abs({t1} - {c})', f'{t1} * {c}', f'{t1} / {b}' if body else f'{t1} + {c}', f'Math.max({t1}, {c})', f'Math.min({t1}, {c})'))};",
        f"return {rng.choice((t2, f'{t2} + {_lit(rng)}', f'{t2} - {a}'))};",
    ]
    return [f"public static int {_name(rng)}(int {a}, int {b}, int {c}) {{"] + body


TEMPLATES: dict[str, Callable[[random.Random], list[str]]] = {
    "array_loop": _array_loop,
    "foreach_extreme": _foreach_extreme,
    "string_scan": _string_scan,
    "digit_loop": _digit_loop,
    "search": _search,
    "branches": _branches,
    "pairs": _pairs,
    "builder": _builder,
    "arith": _arith,
}
"""Method templates by name; each draws names, literals, operators and shape at random."""


def generate_method(rng: random.Random) -> str:
    """One generated method, class-indented (4-space signature, 8-space body), ending in a newline."""
    lines = TEMPLATES[rng.choice(sorted(TEMPLATES))](rng)
    return "\n".join(["    " + lines[0]] + ["        " + x for x in lines[1:]] + ["    }"]) + "\n"
