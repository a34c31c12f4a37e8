"""Tests for fimrepair.synthetic: the offline Megadiff-format generator."""

from __future__ import annotations

import random
import re
import time

import pytest

from fimrepair import synthetic as S
from fimrepair.synthetic.injectors import INJECTORS
from fimrepair.synthetic.unidiff import apply_unified_diff
from fimrepair.synthetic.variation import vary_method

ts = pytest.importorskip("tree_sitter")
tsj = pytest.importorskip("tree_sitter_java")

PARSER = ts.Parser(ts.Language(tsj.language()))


def parses_as_one_method(method: str) -> bool:
    """True when ``method`` wrapped in ``class W { ... }`` parses without ERROR/MISSING
    nodes and the class body holds exactly one method declaration."""
    tree = PARSER.parse(("class W {\n" + method + "}\n").encode())
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return False
        stack.extend(node.children)
    classes = tree.root_node.named_children
    if len(classes) != 1:
        return False
    members = classes[0].child_by_field_name("body").named_children
    return len(members) == 1 and members[0].type == "method_declaration"


HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_patch(text: str, diff: str) -> str:
    """Independent, strict-ish patch: checks hunk header counts, applies by context."""
    lines = text.splitlines()
    body = diff.split("\n")
    assert body[0].startswith("--- a/") and body[1].startswith("+++ b/")
    hunks: list[list[str]] = []
    headers: list[re.Match[str]] = []
    for line in body[2:]:
        m = HUNK_RE.match(line)
        if m:
            hunks.append([])
            headers.append(m)
        elif line:
            hunks[-1].append(line)
    out: list[str] = []
    pos = 0
    for m, hunk in zip(headers, hunks, strict=True):
        old = [h[1:] for h in hunk if h[0] in " -"]
        new = [h[1:] for h in hunk if h[0] in " +"]
        assert len(old) == int(m.group(2) or 1)
        assert len(new) == int(m.group(4) or 1)
        k = next(k for k in range(pos, len(lines) - len(old) + 1) if lines[k : k + len(old)] == old)
        out += lines[pos:k] + new
        pos = k + len(old)
    out += lines[pos:]
    return "\n".join(out) + ("\n" if out else "")


@pytest.fixture(scope="module")
def annotated() -> tuple[list[dict[str, object]], list[str]]:
    return S.generate_annotated_rows(2000, 7)


def test_corpus_size_shape_and_parses() -> None:
    assert len(S.CORPUS) >= 40
    assert len(set(S.CORPUS)) == len(S.CORPUS)
    for m in S.CORPUS:
        lines = m.rstrip("\n").split("\n")
        assert 4 <= len(lines) <= 20, m
        assert re.match(r"^    public static \S", lines[0]) and lines[0].endswith("{")
        assert lines[-1] == "    }"
        assert all(line.startswith("        ") for line in lines[1:-1] if line)
        assert parses_as_one_method(m), m


def test_determinism() -> None:
    a = S.generate_megadiff_rows(300, 1)
    b = S.generate_megadiff_rows(300, 1)
    c = S.generate_megadiff_rows(300, 2)
    assert a == b
    assert a != c
    assert len(a) == 300


def test_schema(annotated: tuple[list[dict[str, object]], list[str]]) -> None:
    rows, kinds = annotated
    assert len(rows) == len(kinds) == 2000
    for row in rows:
        assert tuple(row) == S.MEGADIFF_COLUMNS
        assert isinstance(row["diff"], str)
        assert isinstance(row["is_single_chunk"], bool)
        assert row["is_single_function"] is True
        assert isinstance(row["buggy_function"], str)
        assert isinstance(row["fixed_function"], str)
        diff = str(row["diff"])
        header = diff.split("\n")[:2]
        assert re.fullmatch(r"--- a/\S+\.java", header[0]) and re.fullmatch(r"\+\+\+ b/\S+\.java", header[1])
        assert header[0][6:] == header[1][6:]
        assert row["is_single_chunk"] == (diff.count("\n@@ ") == 1)
    assert any(not r["is_single_chunk"] for r in rows)


def test_clean_rows_differ_and_diff_applies(annotated: tuple[list[dict[str, object]], list[str]]) -> None:
    rows, kinds = annotated
    clean = [r for r, k in zip(rows, kinds, strict=True) if k == "clean"]
    assert len(clean) > 1700
    for row in clean:
        buggy, fixed = str(row["buggy_function"]), str(row["fixed_function"])
        assert buggy != fixed and fixed
        assert apply_patch(buggy, str(row["diff"])) == fixed
        assert apply_unified_diff(buggy, str(row["diff"])) == fixed
        assert buggy.splitlines()[0].lstrip().startswith("public static")
    pairs = [(r["buggy_function"], r["fixed_function"]) for r in clean]
    assert len(set(pairs)) == len(pairs)
    # the fixed function is a (possibly renamed) corpus method: same line structure
    shapes = {tuple(len(line) - len(line.lstrip()) for line in m.splitlines()) for m in S.CORPUS}
    assert all(tuple(len(x) - len(x.lstrip()) for x in str(r["fixed_function"]).splitlines()) in shapes for r in clean)


def test_noise_rates(annotated: tuple[list[dict[str, object]], list[str]]) -> None:
    rows, kinds = annotated
    n = len(rows)
    for kind, rate in S.NOISE_KINDS.items():
        assert kinds.count(kind) == round(rate * n), kind
    # detect the noise from the rows themselves (duplicates of noise rows may add a few)
    seen: set[tuple[object, ...]] = set()
    dups = 0
    for row in rows:
        key = tuple(row.values())
        dups += key in seen
        seen.add(key)
    identical = sum(r["buggy_function"] == r["fixed_function"] for r in rows)
    empty = sum(r["fixed_function"] == "" for r in rows)

    def comment_only(r: dict[str, object]) -> bool:
        strip = lambda t: [x for x in str(t).splitlines() if not x.strip().startswith("//")]  # noqa: E731
        return r["buggy_function"] != r["fixed_function"] and strip(r["buggy_function"]) == strip(r["fixed_function"])

    comments = sum(comment_only(r) for r in rows)

    def within(found: int, kind: str) -> bool:
        expected = S.NOISE_KINDS[kind] * n
        return expected <= found <= expected * 1.5 + 3

    assert dups == kinds.count("duplicate")
    assert within(identical, "identical"), identical
    assert within(empty, "empty_fixed"), empty
    assert within(comments, "comment_only"), comments
    # noise rows are still well-formed diffs where a diff is meaningful
    for row, kind in zip(rows, kinds, strict=True):
        if kind in ("comment_only", "empty_fixed"):
            assert apply_patch(str(row["buggy_function"]), str(row["diff"])) == row["fixed_function"]
        if kind == "identical":
            assert row["diff"] and "import" in str(row["diff"])


@pytest.mark.parametrize("name", sorted(INJECTORS))
def test_each_injector_changes_and_parses(name: str) -> None:
    inj = INJECTORS[name]
    rng = random.Random(name)
    applied = 0
    for method in S.CORPUS:
        for variant in (method, vary_method(method, rng)):
            out = inj(variant, rng)
            if out is None:
                continue
            applied += 1
            assert out != variant
            assert set(out.splitlines()) != set(variant.splitlines())
            assert parses_as_one_method(out), f"{name}:\n{variant}\n->\n{out}"
    assert applied >= 20, f"{name} applied to only {applied} methods"


def test_injectors_return_none_when_not_applicable() -> None:
    trivial = "    public static void noop() {\n        return;\n    }\n"
    rng = random.Random(0)
    for name in ("operator_swap", "negated_condition", "wrong_variable", "wrong_method_call", "missing_statement"):
        assert INJECTORS[name](trivial, rng) is None, name


def test_varied_and_buggy_functions_parse(annotated: tuple[list[dict[str, object]], list[str]]) -> None:
    rows, kinds = annotated
    clean = [r for r, k in zip(rows, kinds, strict=True) if k == "clean"]
    sample = random.Random(3).sample(clean, 30)
    for row in sample:
        assert parses_as_one_method(str(row["buggy_function"])), row["buggy_function"]
        assert parses_as_one_method(str(row["fixed_function"])), row["fixed_function"]


def test_speed() -> None:
    t0 = time.perf_counter()
    rows = S.generate_megadiff_rows(5000, 11)
    elapsed = time.perf_counter() - t0
    assert len(rows) == 5000
    assert elapsed < 10.0, f"5,000 rows took {elapsed:.1f} s"


# --- generated methods (fimrepair.methodgen) ----------------------------------------------


def test_generated_methods_parse_vary_and_take_every_injector() -> None:
    from fimrepair.methodgen import TEMPLATES, generate_method

    rng = random.Random(4)
    methods = [generate_method(rng) for _ in range(300)]
    assert len(set(methods)) == len(methods)
    for m in methods[:60]:
        assert parses_as_one_method(m), m
        lines = m.rstrip("\n").split("\n")
        assert re.match(r"^    public static \S", lines[0]) and lines[-1] == "    }"
    for name, inj in INJECTORS.items():
        assert sum(inj(m, rng) is not None for m in methods) >= 30, name
    assert len(TEMPLATES) >= 8


def test_generated_share_mixes_methods_and_zero_keeps_the_rows() -> None:
    corpus_names = {re.search(r"(\w+)\(", m).group(1) for m in S.CORPUS}

    def share_generated(rows: list[dict[str, object]]) -> float:
        clean = [r for r in rows if r["fixed_function"] and r["buggy_function"] != r["fixed_function"]]
        names = [re.search(r"(\w+)\(", str(r["fixed_function"])).group(1) for r in clean]
        return sum(not any(n.startswith(c) for c in corpus_names) for n in names) / len(names)

    assert S.generate_megadiff_rows(200, 3, 0.0) == S.generate_megadiff_rows(200, 3)
    assert share_generated(S.generate_megadiff_rows(200, 3)) == 0.0
    mixed = S.generate_megadiff_rows(400, 3, 0.8)
    assert mixed == S.generate_megadiff_rows(400, 3, 0.8)
    assert 0.65 < share_generated(mixed) < 0.9
    with pytest.raises(ValueError, match="generated_share"):
        S.generate_megadiff_rows(10, 3, 1.5)
