"""Matched recipes: every recipe trains on the same rows (those that fit max_length under every
recipe), and counts.json reports rows, optimiser steps and loss-bearing tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import prepare_data, recipes_and_pairs

from fimrepair.fim import sentinels
from fimrepair.io import read_jsonl
from fimrepair.prompts import tokenize_pair
from fimrepair.stages import data as data_stage
from fimrepair.stages import finetune as finetune_stage
from fimrepair.tokenizer import load_tokenizer
from fimrepair.training_pairs import matched_row_ids, totals

DS = sentinels("deepseek-coder")


def test_matched_row_ids_is_the_intersection_and_refuses_different_rows():
    lengths = {"a": {"r1": 10, "r2": 30, "r3": 50}, "b": {"r1": 40, "r2": 20, "r3": 50}}
    assert matched_row_ids(lengths, {"a": 40, "b": 40}) == {"r1", "r2"}
    assert matched_row_ids(lengths, {"a": 40, "b": 30}) == {"r2"}
    assert matched_row_ids(lengths, {"a": 50, "b": 50}) == {"r1", "r2", "r3"}
    with pytest.raises(ValueError, match="different rows"):
        matched_row_ids({"a": {"r1": 1}, "b": {"r2": 1}}, {"a": 9, "b": 9})


def test_totals_split_loss_and_fix_tokens_by_mode():
    pairs = [
        {"mode": "psm", "loss_tokens": 5, "fix_tokens": 5},
        {"mode": "plain", "loss_tokens": 30, "fix_tokens": 4},
        {"mode": "plain", "loss_tokens": 20, "fix_tokens": 6},
    ]
    t = totals(pairs)
    assert (t["rows"], t["loss_tokens"], t["fix_tokens"]) == (3, 55, 15)
    assert t["by_mode"] == {
        "psm": {"rows": 1, "loss_tokens": 5, "fix_tokens": 5},
        "plain": {"rows": 2, "loss_tokens": 50, "fix_tokens": 10},
    }


@pytest.fixture(scope="module")
def matched(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """nofim (IR4 -> fixed lines) and an all-plain FIM recipe (prefix -> fixed lines + the rest
    of the function), with max_length between their lengths so that the recipes disagree."""
    tmp = tmp_path_factory.mktemp("matched")
    data_stage.data_synthetic(tmp / "rows.parquet", 240, seed=3)
    prepare_data(tmp, dataset="s", test_size=20, seed=3)
    tok = load_tokenizer(tiny_model_dir, DS)
    rows = pd.read_parquet(tmp / "train.parquet").to_dict("records")
    from fimrepair.prompts import training_pair

    plain_lengths = sorted(
        sum(
            map(
                len, tokenize_pair(tok, **{k: v for k, v in training_pair(r, "fim", DS, seed=1).items() if k != "mode"})
            )
        )
        for r in rows
    )
    max_length = plain_lengths[len(plain_lengths) // 2]
    recipes = {
        "nofim": {"kind": "nofim"},
        "plain": {"kind": "fim", "fim_rate": 0.0, "spm_rate": 0.0},
        "repro": {"kind": "ir4_psm"},
    }
    funnel = recipes_and_pairs(
        tmp, recipes, training={"max_length": max_length}, model_dir=tiny_model_dir, out_matched=tmp / "matched.tsv"
    )
    return tmp, tok, max_length, funnel, recipes


def test_every_recipe_trains_on_the_same_rows_and_the_funnel_says_why(matched):
    tmp, tok, max_length, funnel, recipes = matched
    ids = {name: [p["row_id"] for p in read_jsonl(tmp / name / "train.jsonl")] for name in recipes}
    assert ids["nofim"] == ids["plain"] == ids["repro"] and ids["nofim"]
    table = pd.read_csv(tmp / "matched.tsv", sep="\t")
    train = table[table["split"] == "train"].set_index("recipe")
    assert set(train["matched"]) == {len(ids["nofim"])}
    # The recipes disagree at this max_length: filtered alone, a recipe would keep rows another
    # drops (plain text has no hole line, so it is the shortest layout here).
    assert train["fit"].max() > train["fit"].min() >= len(ids["nofim"])
    assert train.loc["plain", "fit"] > len(ids["plain"])
    for name in recipes:
        rows = [r for r in funnel if r["dataset"] == f"recipe {name} (train)"]
        assert [r["step"] for r in rows] == ["input", "length", "matched"]
        assert rows[-1]["rows_out"] == len(ids[name]) and rows[1]["rows_out"] == train.loc[name, "fit"]


def test_stored_token_counts_are_those_of_training(matched):
    tmp, tok, max_length, _, recipes = matched
    for name in recipes:
        for pair in read_jsonl(tmp / name / "train.jsonl"):
            prompt_ids, completion_ids = tokenize_pair(tok, pair["prompt"], pair["completion"])
            assert pair["tokens"] == len(prompt_ids) + len(completion_ids) <= max_length
            assert pair["loss_tokens"] == len(completion_ids)
            if pair["mode"] == "plain":
                assert 0 < pair["fix_tokens"] < pair["loss_tokens"]  # the suffix is trained on, not a fix
            else:
                assert pair["fix_tokens"] == pair["loss_tokens"]


def test_counts_json_reports_rows_steps_and_loss_tokens(matched, tiny_model_dir: Path):
    tmp, _, max_length, _, recipes = matched
    train = {"max_length": max_length, "max_steps": 2, "batch_size": 4, "gradient_accumulation": 2}
    finetune_stage.recipe(
        tmp / "plain" / "recipe2.json",
        name="plain",
        spec=recipes["plain"],
        lora={},
        training={**train, "eval_rows": 0, "bf16": False},
        sentinels="deepseek-coder",
        seed=1,
    )
    out = tmp / "plain" / "ft"
    finetune_stage.finetune(
        tiny_model_dir,
        tmp / "plain" / "recipe2.json",
        tmp / "plain" / "train.jsonl",
        tmp / "plain" / "eval.jsonl",
        out,
        out / "loss.tsv",
        out / "counts.json",
        checkpoint_dir=tmp / "plain" / "ckpt",
        allow_cpu=True,
    )
    counts = json.loads((out / "counts.json").read_text())
    pairs = read_jsonl(tmp / "plain" / "train.jsonl")
    assert counts["train"] == len(pairs) and counts["optimizer_steps"] == 2 and counts["examples_per_step"] == 8
    assert counts["loss_tokens"] == sum(p["loss_tokens"] for p in pairs)
    assert counts["fix_tokens"] == sum(p["fix_tokens"] for p in pairs) < counts["loss_tokens"]
    assert counts["by_mode"]["plain"]["rows"] == len(pairs)


def test_a_length_filter_with_another_tokenizer_is_caught_at_training(tiny_model_dir: Path):
    from fimrepair.finetune import tokenize_examples

    tok = load_tokenizer(tiny_model_dir, DS)
    pair = {"row_id": "r1", "recipe": "x", "prompt": "int a;\n", "completion": "int b;\n"}
    prompt_ids, completion_ids = tokenize_pair(tok, pair["prompt"], pair["completion"])
    rows, dropped = tokenize_examples(
        tok, [{**pair, "tokens": len(prompt_ids) + len(completion_ids), "loss_tokens": len(completion_ids)}], 64
    )
    assert len(rows) == 1 and dropped == 0
    with pytest.raises(ValueError, match="row r1 of recipe x: the training tokenizer gives"):
        tokenize_examples(tok, [{**pair, "tokens": 3, "loss_tokens": 1}], 64)
