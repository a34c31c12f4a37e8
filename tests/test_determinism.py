"""The same configuration gives the same data and prompts (all randomness seeded)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import prepare_data, recipes_and_pairs

from fimrepair.stages import data as data_stage


def run_data(tmp: Path, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    data_stage.data_synthetic(tmp / "rows.parquet", 300, seed=5)
    prepare_data(tmp, dataset="synthetic", test_size=30, seed=seed)
    recipes_and_pairs(tmp, {"fim": {"kind": "fim", "fim_rate": 0.9, "spm_rate": 0.5}}, seed=seed)
    return (
        pd.read_parquet(tmp / "train.parquet"),
        pd.read_parquet(tmp / "test.parquet"),
        (tmp / "funnel.tsv").read_text(),
        (tmp / "fim" / "train.jsonl").read_text(),
    )


def test_same_seed_same_data_and_prompts(tmp_path: Path):
    a = run_data(tmp_path / "a", seed=1)
    b = run_data(tmp_path / "b", seed=1)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert a[2] == b[2] and a[3] == b[3]
    c = run_data(tmp_path / "c", seed=2)
    assert set(c[1]["row_id"]) != set(a[1]["row_id"])  # another seed, another split
