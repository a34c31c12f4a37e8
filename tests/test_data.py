from __future__ import annotations

import pandas as pd
import pytest

from fimrepair import data

GOOD_BUGGY = "    int f(int a) {\n        return a - 1;\n    }\n"
GOOD_FIXED = "    int f(int a) {\n        return a + 1;\n    }\n"


def megadiff_row(buggy: object = GOOD_BUGGY, fixed: object = GOOD_FIXED, single: bool = True) -> dict[str, object]:
    return {"diff": "", "is_single_chunk": True, "is_single_function": single, "buggy_function": buggy, "fixed_function": fixed}


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
    kept, funnel = data.filter_rows(rows, dataset="t")
    assert len(kept) == 2
    dropped = funnel.dropped
    assert dropped[data.DUPLICATE] == 1 and dropped[data.EMPTY_FIXED] == 1 and dropped[data.IDENTICAL] == 1
    assert dropped[data.COSMETIC] == 2 and dropped[data.UNPARSEABLE] == 1 and dropped[data.MALFORMED] == 2
    assert dropped[data.NOT_SINGLE_FUNCTION] == 1
    table = funnel.table()
    assert table[0]["rows_in"] == len(rows)
    assert table[-1]["rows_out"] == len(kept)
    assert sum(r["rows_in"] - r["rows_out"] for r in table) == len(rows) - len(kept)  # nothing silently dropped
    assert kept[0].fixed_chunk == "        return a + 1;\n"


def test_missing_columns_name_the_file(tmp_path):
    path = tmp_path / "bad.parquet"
    pd.DataFrame([{"diff": "x", "buggy_function": "a"}]).to_parquet(path)
    with pytest.raises(data.DataError, match=r"bad\.parquet: missing column\(s\) fixed_function"):
        data.load_rows("local", path=str(path))


def test_missing_file_and_bad_format(tmp_path):
    with pytest.raises(data.DataError, match="does not exist"):
        data.load_rows("local", path=str(tmp_path / "nope.parquet"))
    (tmp_path / "rows.csv").write_text("a,b\n")
    with pytest.raises(data.DataError, match="unsupported format"):
        data.load_rows("local", path=str(tmp_path / "rows.csv"))


def test_local_jsonl_and_parquet_give_the_same_rows(tmp_path):
    rows = [megadiff_row(), megadiff_row(buggy=GOOD_BUGGY.replace("a - 1", "a * 2"))]
    pd.DataFrame(rows).to_parquet(tmp_path / "r.parquet")
    pd.DataFrame(rows).to_json(tmp_path / "r.jsonl", orient="records", lines=True)
    a, _ = data.filter_rows(data.load_rows("local", path=str(tmp_path / "r.parquet")), "t")
    b, _ = data.filter_rows(data.load_rows("local", path=str(tmp_path / "r.jsonl")), "t")
    assert a == b and len(a) == 2


def test_split_is_seeded_and_order_independent():
    rows = [megadiff_row(buggy=GOOD_BUGGY.replace("a - 1", f"a - {k}")) for k in range(2, 40)]
    kept, _ = data.filter_rows(rows, "t")
    train1, test1 = data.split_train_test(kept, 5, seed=1)
    train2, test2 = data.split_train_test(list(reversed(kept)), 5, seed=1)
    assert test1 == test2 and train1 == train2 and len(test1) == 5
    _, test3 = data.split_train_test(kept, 5, seed=2)
    assert test3 != test1
    with pytest.raises(data.DataError, match="test_size"):
        data.split_train_test(kept, len(kept), seed=1)
