"""Placing a candidate method by its own signature among ALL methods of the buggy class (nested,
local and anonymous classes included), and `uncompilable` with the reason when it has none."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import JAVA_SKIP_REASON, java_available

from fimrepair.bugs import PlacementError, extract_bug, place, splice
from fimrepair.javasrc import Signature, all_methods, signature_of

DATA = Path(__file__).parent / "data" / "placement"
INNER = """            public int compare(Integer a, Integer b) {
                if (ones(a) == ones(b)) return a - b;
                return ones(a) - ones(b);
            }
"""


def test_signatures_are_name_and_parameter_types() -> None:
    assert signature_of(
        "public static int f(final int x[], List< Integer > l, String... s) { return 0; }"
    ) == Signature("f", ("int[]", "List<Integer>", "String..."))
    assert signature_of("  // a comment\n  Foo(int a) {}") == Signature("Foo", ("int",))
    assert signature_of("return x + y;") is None
    assert str(Signature("add", ("int", "int"))) == "add(int, int)"


def test_all_methods_include_anonymous_and_local_classes() -> None:
    src = (DATA / "SORT_BY_ONES.java").read_text()
    found = [(str(d.signature), d.depth) for d in all_methods(src)]
    assert found == [("ones(int)", 0), ("sort(ArrayList<Integer>)", 0), ("compare(Integer, Integer)", 1)]
    local = (
        "class A {\n  static int f() {\n    class L { int g(int x) { return x; } }\n    return new L().g(1);\n  }\n}\n"
    )
    assert [str(d.signature) for d in all_methods(local)] == ["f()", "g(int)"]


@pytest.fixture()
def bench(tmp_path: Path) -> Path:
    for sub, name in (
        ("src/main/java/humaneval/buggy", "SORT_BY_ONES.java"),
        ("src/main/java/humaneval/correct", "SORT_BY_ONES.correct.java"),
        ("src/test/java/humaneval", "TEST_SORT_BY_ONES.java"),
    ):
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / name, tmp_path / sub / name.replace(".correct", ""))
    return tmp_path


def test_an_inner_method_replaces_its_namesake_not_the_enclosing_method(bench: Path) -> None:
    bug = extract_bug(bench, "SORT_BY_ONES", "t")
    src = (bench / bug.buggy_class).read_text()
    assert bug.method_name == "sort"
    placed = place(src, bug, INNER)
    assert placed == (bench / "src/main/java/humaneval/correct/SORT_BY_ONES.java").read_text().replace(
        "humaneval.correct", "humaneval.buggy"
    )
    assert place(src, bug, bug.fixed_function) == splice(src, bug.method_start, bug.method_end, bug.fixed_function)


def test_a_method_the_class_lacks_cannot_be_placed(bench: Path) -> None:
    bug = extract_bug(bench, "SORT_BY_ONES", "t")
    src = (bench / bug.buggy_class).read_text()
    with pytest.raises(PlacementError, match=r"no method helper\(String\).*compare\(Integer, Integer\)"):
        place(src, bug, "static int helper(String s) { return 1; }")
    # a renamed method with the bug's parameter types, or the bug's name with new parameter
    # types, replaces the bug's method: the compiler and the tests judge it
    renamed = bug.fixed_function.replace("sort(", "sorted(")
    assert place(src, bug, renamed) == splice(src, bug.method_start, bug.method_end, renamed)
    assert place(src, bug, "return 1;") == splice(src, bug.method_start, bug.method_end, "return 1;")


def test_a_one_line_anonymous_method_is_replaced_by_its_bytes() -> None:
    from fimrepair.bugs import Bug
    from fimrepair.region import Split

    src = "class A {\n  static int f() {\n    return new java.util.function.IntSupplier() { public int getAsInt() { return 1; } }.getAsInt();\n  }\n}\n"
    bug = Bug("b", "A", "f", "A.java", "T", 1, 4, "", "", Split("", "", "", ""))
    out = place(src, bug, "public int getAsInt() { return 2; }")
    assert "{ public int getAsInt() { return 2; } }.getAsInt();" in out and out.count("\n") == src.count("\n")


def test_an_inner_candidate_is_graded_as_the_method_it_leaves(bench: Path) -> None:
    """Exact and AST match compare the bug's method as the candidate leaves it: an inner
    method that makes the developer fix matches; the unchanged inner method, or one changed
    elsewhere, does not; a whole-method candidate is graded as itself."""
    from fimrepair.validate.grading import ast_match, exact_match, graded_function

    bug = extract_bug(bench, "SORT_BY_ONES", "t")
    graded = graded_function(bug, INNER)
    assert graded != INNER and "public static ArrayList<Integer> sort(" in graded
    assert exact_match(graded, bug.fixed_function) and ast_match(graded, bug.fixed_function)
    assert not exact_match(INNER, bug.fixed_function)  # compared alone it could never match
    unchanged = INNER.replace("return a - b;", "return 0;")
    assert not exact_match(graded_function(bug, unchanged), bug.fixed_function)
    assert not ast_match(
        graded_function(bug, INNER.replace("ones(a) - ones(b)", "ones(b) - ones(a)")), bug.fixed_function
    )
    assert graded_function(bug, bug.fixed_function) == bug.fixed_function
    helper = "static int helper(String s) { return 1; }"
    assert graded_function(bug, helper) == helper  # not inside the bug's method: graded as itself


@pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)
def test_validate_candidates_grades_an_inner_fix_as_exact(bench: Path) -> None:
    from fimrepair.validate import FreshValidator
    from fimrepair.validate.run import validate_candidates

    bug = extract_bug(bench, "SORT_BY_ONES", "t")
    rows = [
        {
            "model": "m",
            "benchmark": "t",
            "bug_id": "SORT_BY_ONES",
            "candidates": [{"rank": 0, "function": INNER}, {"rank": 1, "function": bug.buggy_function}],
        }
    ]
    out = validate_candidates([bug], rows, FreshValidator(bench, per_candidate_timeout_s=20), workers=1)
    assert [(r["status"], r["exact_match"], r["ast_match"]) for r in out] == [
        ("plausible", True, True),
        ("failing", False, False),
    ]


@pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)
def test_the_engine_validates_an_inner_candidate_and_names_a_missing_method(bench: Path) -> None:
    from fimrepair.validate import Engine, FreshValidator, Status

    bug = extract_bug(bench, "SORT_BY_ONES", "t")
    with Engine(bench, workers=1, per_candidate_timeout_s=20) as engine:
        assert engine.validate(bug, INNER).status is Status.PLAUSIBLE
        assert engine.validate(bug, bug.buggy_function).status is Status.FAILING
        v = engine.validate(bug, "static int helper(String s) { return 1; }")
        assert v.status is Status.UNCOMPILABLE and "no method helper(String)" in (v.message or "")
    fresh = FreshValidator(bench, per_candidate_timeout_s=20)
    assert fresh.validate(bug, INNER).status is Status.PLAUSIBLE
    assert fresh.validate(bug, "static int helper(String s) { return 1; }").status is Status.UNCOMPILABLE
