"""Property-based tests (hypothesis) over generated Java-like methods and their edits."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fimrepair.fim import Mode, choose_mode, fim_example, sentinels
from fimrepair.megadiff import classify
from fimrepair.region import split
from fimrepair.representations import FILL_ME, hole_line, ir1, ir2, ir3, ir4, ir4_prefix, or1, or2, or3, or4

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_STATEMENTS = st.sampled_from(
    ["int v{k} = a + {k};", "a = a * {k};", "if (a > {k}) return a;", "System.out.println(a - {k});", "a += v0 + {k};"]
)


@st.composite
def method_pair(draw: st.DrawFn, blank_lines: bool = True) -> tuple[str, str]:
    """A fixed method (unique body lines, optional blank lines) and a buggy version with 1-3
    line edits (replace, insert, delete), so regions of every kind, pure insertions and
    deletions included, occur."""
    n = draw(st.integers(1, 10))
    indent = draw(st.sampled_from(["    ", "\t", "  "]))
    body = [f"{indent * 2}{draw(_STATEMENTS).format(k=k)}" for k in range(n)]
    if blank_lines and n > 1 and draw(st.booleans()):
        body.insert(draw(st.integers(1, n - 1)), "")
    fixed = [
        f"{indent}public static int m{n}(int a) {{",
        f"{indent * 2}int v0 = 0;",
        *body,
        f"{indent * 2}return a;",
        f"{indent}}}",
    ]
    buggy = list(fixed)
    for e in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        pos = draw(st.integers(1, len(buggy) - 2))
        line = f"{indent * draw(st.integers(1, 3))}a = a - {100 + e};"
        if kind == "replace":
            buggy[pos] = line
        elif kind == "insert":
            buggy.insert(pos, line)
        elif len(buggy) > 3:
            del buggy[pos]
    return "\n".join(buggy) + "\n", "\n".join(fixed) + "\n"


def _apply_runs(buggy: str, diff: str) -> str:
    """Apply RepairLLaMA's OR3/OR4 (runs with context, joined by a blank line) to ``buggy``."""
    text = buggy.splitlines(keepends=True)
    pieces: list[list[str]] = [[]]
    for line in diff.splitlines(keepends=True):
        if line == "\n":
            pieces.append([])
        else:
            pieces[-1].append(line)
    start = 0
    for piece in filter(None, pieces):
        old = [x[1:] for x in piece if x[0] in " -"]
        new = [x[1:] for x in piece if x[0] in " +"]
        at = next(k for k in range(start, len(text) + 1) if text[k : k + len(old)] == old)
        text[at : at + len(old)] = new
        start = at
    return "".join(text)


@SETTINGS
@given(method_pair())
def test_every_representation_reassembles_into_the_fixed_method(pair: tuple[str, str]) -> None:
    buggy, fixed = pair
    if buggy == fixed:
        return
    s = split(buggy, fixed)
    assert s.buggy == buggy and s.fixed == fixed
    assert ir1(s) == buggy and or1(s) == fixed
    assert ir3(s).replace(hole_line(s), or2(s), 1) == fixed
    assert ir3(s).count(FILL_ME) == ir4(s).count(FILL_ME) == 1
    commented = ir4(s)[len(s.prefix) : len(ir4_prefix(s))]
    assert commented.startswith("// buggy code\n") and all(x.startswith("// ") for x in commented.splitlines()[1:])
    assert ir4(s).replace(commented, "", 1).replace(hole_line(s), or2(s), 1) == fixed
    start, end = "// buggy lines start:\n", "// buggy lines end\n"
    text2 = ir2(s)
    assert text2.endswith("// fixed lines:\n")
    head, rest = text2.split(start, 1)
    _, tail = rest.split(end, 1)
    assert head + or2(s) + tail[: -len("// fixed lines:\n")] == fixed


@SETTINGS
@given(method_pair(blank_lines=False))
def test_or3_or4_diffs_patch_the_buggy_into_the_fixed_method(pair: tuple[str, str]) -> None:
    buggy, fixed = pair
    if buggy == fixed:
        return
    s = split(buggy, fixed)
    assert _apply_runs(buggy, or3(s)) == fixed
    assert _apply_runs(buggy, or4(s)) == fixed


@SETTINGS
@given(method_pair())
def test_data_examples_reassemble(pair: tuple[str, str]) -> None:
    buggy, fixed = pair
    row = {"buggy_function": buggy, "fixed_function": fixed, "is_single_function": True}
    reason, example = classify(0, row)
    if example is None:
        assert reason is not None
        return
    assert example.split.fixed == example.fixed_function
    assert example.split.buggy == example.buggy_function
    assert "" not in [x.strip() for x in example.fixed_function.splitlines()]  # blank lines removed


_TEXT = st.text(
    alphabet=st.characters(blacklist_characters=" <>|\x00", blacklist_categories=["Cs"]), min_size=1, max_size=40
)


@SETTINGS
@given(_TEXT, st.text(max_size=40), _TEXT, st.sampled_from(["deepseek-coder", "codellama", "starcoder"]))
def test_psm_and_spm_carry_the_same_content(prefix: str, middle: str, suffix: str, family: str) -> None:
    sent = sentinels(family)
    psm, psm_out = fim_example(prefix, middle, suffix, Mode.PSM, sent)
    spm, spm_out = fim_example(prefix, middle, suffix, Mode.SPM, sent)
    assert psm_out == spm_out == middle

    def parts(text: str) -> list[str]:
        for tok in (sent.prefix, sent.suffix, sent.middle):
            text = text.replace(tok, "\x00")
        return sorted(p.strip(" ") for p in text.split("\x00") if p.strip(" "))

    assert parts(psm) == parts(spm) == sorted([prefix.strip(" "), suffix.strip(" ")])
    plain, plain_out = fim_example(prefix, middle, suffix, Mode.PLAIN, sent)
    assert plain + plain_out == prefix + middle + suffix


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.integers(0, 2**31))
def test_observed_rates_converge_to_the_configured_ones(fim_rate: float, spm_rate: float, seed: int) -> None:
    n = 6000
    modes = [choose_mode(seed, f"row{i}", fim_rate, spm_rate) for i in range(n)]
    share = {m: modes.count(m) / n for m in Mode}
    expected = {Mode.PLAIN: 1 - fim_rate, Mode.SPM: fim_rate * spm_rate, Mode.PSM: fim_rate * (1 - spm_rate)}
    for m, p in expected.items():
        tolerance = 5 * math.sqrt(max(p * (1 - p), 1e-12) / n) + 1e-9
        assert abs(share[m] - p) <= tolerance, (m, share[m], p)
