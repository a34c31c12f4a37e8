from __future__ import annotations

import pandas as pd
import pytest
from conftest import prepare_data, recipes_and_pairs

from fimrepair import megadiff

GOOD_BUGGY = "    int f(int a) {\n        return a - 1;\n    }\n"
GOOD_FIXED = "    int f(int a) {\n        return a + 1;\n    }\n"


def megadiff_row(buggy: object = GOOD_BUGGY, fixed: object = GOOD_FIXED, single: bool = True) -> dict[str, object]:
    return {
        "diff": "",
        "is_single_chunk": True,
        "is_single_function": single,
        "buggy_function": buggy,
        "fixed_function": fixed,
    }


def test_each_filter_counts_its_rows():
    rows = [
        megadiff_row(),
        megadiff_row(),  # duplicate
        megadiff_row(fixed=""),  # empty fixed
        megadiff_row(fixed=GOOD_BUGGY),  # identical
        megadiff_row(fixed=GOOD_BUGGY.replace("return a - 1;", "return a - 1; // why")),  # comment only
        megadiff_row(fixed=GOOD_BUGGY.replace("        return", "          return")),  # whitespace only
        megadiff_row(buggy="this is not java {", fixed="neither is this }"),  # unparseable
        megadiff_row(buggy=None),  # malformed
        megadiff_row(buggy=3, fixed=4),  # malformed
        megadiff_row(single=False),
        megadiff_row(buggy=GOOD_BUGGY.replace("a - 1", "a * 2")),  # a second good row
    ]
    kept, funnel = megadiff.filter_rows(rows, dataset="t")
    assert len(kept) == 2
    dropped = funnel.dropped
    assert dropped[megadiff.DUPLICATE] == 1 and dropped[megadiff.EMPTY_FIXED] == 1 and dropped[megadiff.IDENTICAL] == 1
    assert dropped[megadiff.COSMETIC] == 2 and dropped[megadiff.UNPARSEABLE] == 1 and dropped[megadiff.MALFORMED] == 2
    assert dropped[megadiff.NOT_SINGLE_FUNCTION] == 1
    table = funnel.table()
    assert table[0]["rows_in"] == len(rows)
    assert table[-1]["rows_out"] == len(kept)
    assert sum(r["rows_in"] - r["rows_out"] for r in table) == len(rows) - len(kept)  # nothing silently dropped
    assert kept[0].split.fixed_chunk == "        return a + 1;\n"


def test_missing_columns_name_the_file(tmp_path):
    path = tmp_path / "bad.parquet"
    pd.DataFrame([{"diff": "x", "buggy_function": "a"}]).to_parquet(path)
    with pytest.raises(megadiff.DataError, match=r"bad\.parquet: missing column\(s\) fixed_function"):
        megadiff.load_rows("local", path=str(path))


def test_missing_file_and_bad_format(tmp_path):
    with pytest.raises(megadiff.DataError, match="does not exist"):
        megadiff.load_rows("local", path=str(tmp_path / "nope.parquet"))
    (tmp_path / "rows.csv").write_text("a,b\n")
    with pytest.raises(megadiff.DataError, match="unsupported format"):
        megadiff.load_rows("local", path=str(tmp_path / "rows.csv"))


def test_local_jsonl_and_parquet_give_the_same_rows(tmp_path):
    rows = [megadiff_row(), megadiff_row(buggy=GOOD_BUGGY.replace("a - 1", "a * 2"))]
    pd.DataFrame(rows).to_parquet(tmp_path / "r.parquet")
    pd.DataFrame(rows).to_json(tmp_path / "r.jsonl", orient="records", lines=True)
    a, _ = megadiff.filter_rows(megadiff.load_rows("local", path=str(tmp_path / "r.parquet")), "t")
    b, _ = megadiff.filter_rows(megadiff.load_rows("local", path=str(tmp_path / "r.jsonl")), "t")
    assert a == b and len(a) == 2


def test_split_is_seeded_and_order_independent():
    rows = [megadiff_row(buggy=GOOD_BUGGY.replace("a - 1", f"a - {k}")) for k in range(2, 40)]
    kept, _ = megadiff.filter_rows(rows, "t")
    train1, test1 = megadiff.split_train_test(kept, 5, seed=1)
    train2, test2 = megadiff.split_train_test(list(reversed(kept)), 5, seed=1)
    assert test1 == test2 and train1 == train2 and len(test1) == 5
    _, test3 = megadiff.split_train_test(kept, 5, seed=2)
    assert test3 != test1
    with pytest.raises(megadiff.DataError, match="test_size"):
        megadiff.split_train_test(kept, len(kept), seed=1)


def test_bad_rows_are_counted_never_silent():
    rows = [
        megadiff_row(buggy="", fixed=GOOD_FIXED),  # empty buggy: not one Java method
        megadiff_row(buggy="", fixed=""),  # empty strings
        megadiff_row(buggy="Lorem ipsum dolor sit amet.\n", fixed="Lorem ipsum dolor sit amet!\n"),  # non-Java text
        megadiff_row(
            buggy=GOOD_BUGGY + "    int g() { return 1; }\n", fixed=GOOD_FIXED + "    int g() { return 1; }\n"
        ),  # two methods
        megadiff_row(buggy=GOOD_BUGGY.replace("a - 1", "a\x00 - 1"), fixed=GOOD_FIXED),  # NUL byte
        {"diff": "", "buggy_function": GOOD_BUGGY},  # missing column in one row
        "not a mapping",
        megadiff_row(),
    ]
    kept, funnel = megadiff.filter_rows(rows, dataset="t")  # type: ignore[arg-type]
    assert len(kept) == 1
    assert (
        funnel.dropped[megadiff.UNPARSEABLE] == 4
        and funnel.dropped[megadiff.EMPTY_FIXED] == 1
        and funnel.dropped[megadiff.MALFORMED] == 2
    )
    assert funnel.rows_out == 1 and funnel.table()[-1]["rows_out"] == 1


def test_huge_row_is_kept_by_the_filters_and_dropped_by_the_length_filter(tmp_path, tiny_model_dir):
    body = "".join(f"        a = a + {k};\n" for k in range(4000))
    huge = megadiff_row(
        buggy=GOOD_BUGGY.replace("        return", body + "        return"),
        fixed=GOOD_FIXED.replace("        return", body + "        return"),
    )
    rows = [huge] + [megadiff_row(buggy=GOOD_BUGGY.replace("a - 1", f"a - {k}")) for k in range(2, 8)]
    pd.DataFrame(rows).to_parquet(tmp_path / "rows.parquet")
    prepare_data(tmp_path, test_size=1, seed=3)
    train = pd.read_parquet(tmp_path / "train.parquet")
    test = pd.read_parquet(tmp_path / "test.parquet")
    assert len(train) + len(test) == 7
    if len(test[test["buggy_function"].str.len() > 10000]):  # the huge row landed in the test split
        pd.concat([train, test]).to_parquet(tmp_path / "train.parquet")
    funnel = recipes_and_pairs(
        tmp_path, {"nofim": {"kind": "nofim"}}, training={"max_length": 256}, model_dir=tiny_model_dir
    )
    length = [r for r in funnel if r["step"] == "length" and "(train)" in r["dataset"]][0]
    assert length["rows_in"] - length["rows_out"] >= 1
    assert all("a = a + 3999" not in line for line in (tmp_path / "nofim" / "train.jsonl").read_text().splitlines())


def test_hub_full_needs_is_single_function_and_rows_without_it_are_counted():
    rows = [megadiff_row(single=False), megadiff_row()]
    kept, funnel = megadiff.filter_rows(rows, dataset="full")
    assert len(kept) == 1 and funnel.dropped[megadiff.NOT_SINGLE_FUNCTION] == 1
    with pytest.raises(megadiff.DataError, match="unknown data source"):
        megadiff.load_rows("ftp")
    with pytest.raises(megadiff.DataError, match="pinned"):
        megadiff.load_rows("hub_full", hub_id="ASSERT-KTH/megadiff", revision="")


def test_blank_lines_and_comments_are_removed_before_the_region():
    buggy = "    int f(int a) {\n\n        // note\n        return a - 1;\n    }\n"
    fixed = "    int f(int a) {\n\n        return a + 1; // fixed\n    }\n"
    reason, ex = megadiff.classify(0, megadiff_row(buggy=buggy, fixed=fixed))
    assert reason is None and ex is not None
    assert ex.buggy_function == GOOD_BUGGY and ex.fixed_function == GOOD_FIXED
    reason, ex = megadiff.classify(0, megadiff_row(buggy=buggy, fixed=fixed), remove_blank_lines=False)
    assert ex is not None and ex.split.prefix == "    int f(int a) {\n\n"
