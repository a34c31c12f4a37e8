from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from conftest import prepare_data

from fimrepair.decontaminate import EXACT, NEAR, Decontaminator, decontaminate, jaccard, shingles
from fimrepair.megadiff import Example
from fimrepair.region import Split

BUG_BUGGY = "    public static int add(int a, int b) {\n        return a - b;\n    }\n"
BUG_FIXED = "    public static int add(int a, int b) {\n        return a + b;\n    }\n"
BUGS = [{"bug_id": "ADD", "buggy_function": BUG_BUGGY, "fixed_function": BUG_FIXED}]
OTHER = "    int g(String s) {\n        StringBuilder out = new StringBuilder();\n        for (char c : s.toCharArray()) out.append(c);\n        return out.length();\n    }\n"


def example(buggy: str, fixed: str, k: int = 0) -> Example:
    return Example(f"r{k}", k, buggy, fixed, Split("", buggy, fixed, ""))


def test_exact_match_after_normalisation():
    d = Decontaminator(BUGS)
    reformatted = "public static int add(int a,   int b) {  // sum\n  return a + b; }"
    hit = d.check(OTHER, reformatted)
    assert hit is not None and hit.reason == EXACT and hit.bug_id == "ADD"
    assert d.check(OTHER, OTHER) is None


def test_near_duplicate_and_threshold():
    long_fixed = BUG_FIXED.replace(
        "return a + b;",
        "int c = a + b;\n        if (c > 100) { c = 100; }\n        if (c < -100) { c = -100; }\n        return c;",
    )
    bugs = [
        {"bug_id": "CLAMP", "buggy_function": long_fixed.replace("c > 100", "c >= 100"), "fixed_function": long_fixed}
    ]
    renamed = long_fixed.replace("add(", "sum(")
    hit = Decontaminator(bugs, threshold=0.7).check(OTHER, renamed)
    assert hit is not None and hit.reason == NEAR and 0.7 <= hit.score < 1.0
    assert Decontaminator(bugs, threshold=0.99).check(OTHER, renamed) is None
    assert jaccard(shingles(long_fixed, 5), shingles(renamed, 5)) == pytest.approx(hit.score)
    with pytest.raises(ValueError, match="threshold"):
        Decontaminator(bugs, threshold=0.0)


@pytest.mark.parametrize("bug_side", ["buggy_function", "fixed_function"])
@pytest.mark.parametrize("row_side", ["buggy", "fixed"])
def test_either_side_of_a_row_matches_either_side_of_a_bug(row_side: str, bug_side: str):
    """A row is contaminated when its buggy OR its fixed function overlaps the bug's buggy OR
    fixed function, exactly or as a near-duplicate."""
    long_buggy = BUG_BUGGY.replace(
        "return a - b;",
        "int c = a - b;\n        if (c > 100) { c = 100; }\n        if (c < -100) { c = -100; }\n        return c;",
    )
    bug = {"bug_id": "CLAMP", "buggy_function": long_buggy, "fixed_function": long_buggy.replace("a - b", "a + b")}
    d = Decontaminator([bug], threshold=0.7)
    text = bug[bug_side]
    for overlap, reason in ((text, EXACT), (text.replace("add(", "sum("), NEAR)):
        pair = (overlap, OTHER) if row_side == "buggy" else (OTHER, overlap)
        hit = d.check(*pair)
        assert hit is not None and hit.reason == reason and hit.bug_id == "CLAMP", (pair, hit)
    assert d.check(OTHER, OTHER.replace("length()", "length() + 1")) is None


def test_near_duplicate_threshold_is_inclusive():
    """A row whose n-gram Jaccard similarity equals the threshold is dropped; just above it, kept."""
    long_fixed = BUG_FIXED.replace(
        "return a + b;", "int c = a + b;\n        if (c > 100) { c = 100; }\n        return c;"
    )
    bugs = [{"bug_id": "B", "buggy_function": BUG_BUGGY, "fixed_function": long_fixed}]
    renamed = long_fixed.replace("add(", "sum(")
    score = jaccard(shingles(long_fixed, 5), shingles(renamed, 5))
    assert 0.5 < score < 1.0
    at = Decontaminator(bugs, threshold=score).check(OTHER, renamed)
    assert at is not None and at.reason == NEAR and at.score == score
    assert Decontaminator(bugs, threshold=math.nextafter(score, 1.0)).check(OTHER, renamed) is None


def test_decontaminate_drops_and_counts_with_bug_ids():
    rows = [
        example(OTHER, OTHER.replace("length()", "length() + 1"), 0),
        example(BUG_BUGGY, BUG_FIXED, 1),
        example(OTHER, BUG_FIXED, 2),
    ]
    kept, counts, dropped = decontaminate(rows, BUGS, threshold=0.8, ngram=5)
    assert [e.row_id for e in kept] == ["r0"]
    assert counts[EXACT] == 2 and counts[NEAR] == 0
    assert [d["bug_id"] for d in dropped] == ["ADD", "ADD"] and {d["source_index"] for d in dropped} == {1, 2}


def test_data_prepare_counts_contaminated_rows_in_the_funnel(tmp_path):
    good = [
        {
            "buggy_function": f"    int f{k}(int a) {{\n        return a - {k};\n    }}\n",
            "fixed_function": f"    int f{k}(int a) {{\n        return a + {k};\n    }}\n",
            "is_single_function": True,
        }
        for k in range(12)
    ]
    rows = [*good, {"buggy_function": BUG_BUGGY, "fixed_function": BUG_FIXED, "is_single_function": True}]
    pd.DataFrame(rows).to_parquet(tmp_path / "rows.parquet")
    (tmp_path / "bugs.jsonl").write_text("".join(json.dumps(b) + "\n" for b in BUGS))
    table = prepare_data(
        tmp_path, test_size=2, seed=1, bugs_jsonl=tmp_path / "bugs.jsonl", out_contaminated=tmp_path / "c.jsonl"
    )
    steps_by_name = {r["step"]: r for r in table}
    assert steps_by_name["decontaminate exact"]["rows_in"] - steps_by_name["decontaminate exact"]["rows_out"] == 1
    assert table[-1]["rows_out"] == 10 and len(pd.read_parquet(tmp_path / "train.parquet")) == 10
    assert json.loads((tmp_path / "c.jsonl").read_text())["bug_id"] == "ADD"
    funnel = pd.read_csv(tmp_path / "funnel.tsv", sep="\t", keep_default_na=False)
    assert list(funnel.columns) == ["dataset", "step", "rows_in", "rows_out", "reason"]
