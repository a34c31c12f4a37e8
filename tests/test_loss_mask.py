"""The completion-only loss, checked on what the trainer really feeds the model: the batch that
``finetune.train_lora``'s own SFTTrainer collates has labels of -100 on exactly the
``tokenize_pair`` prompt tokens (and on padding), and the completion + EOS tokens everywhere
else, for every recipe kind and FIM mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fimrepair.fim import Mode, sentinels
from fimrepair.prompts import RECIPE_KINDS, tokenize_pair, training_pair
from fimrepair.recipe import Recipe, TrainSpec
from fimrepair.region import split

DS = sentinels("deepseek-coder")
IGNORE = -100
PAIRS = [
    (
        "    static int f(int a) {\n        return a - 1;\n    }\n",
        "    static int f(int a) {\n        return a + 1;\n    }\n",
    ),
    (
        "    static int g(int[] xs) {\n        int s = 0;\n        for (int x : xs) s -= x;\n        return s;\n    }\n",
        "    static int g(int[] xs) {\n        int s = 0;\n        for (int x : xs) s += x;\n        return s;\n    }\n",
    ),
    (
        "    static boolean h(int n) {\n        return n > 0;\n    }\n",
        "    static boolean h(int n) {\n        return n >= 0;\n    }\n",
    ),
]


class _Captured(Exception):
    """Raised instead of training, once the trainer is built."""


def _rows(n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        s = split(*PAIRS[i % len(PAIRS)])
        rows.append(
            {
                "row_id": f"r{i}",
                "prefix": s.prefix,
                "buggy_chunk": s.buggy_chunk,
                "fixed_chunk": s.fixed_chunk,
                "suffix": s.suffix,
                "hole_indent": s.hole_indent,
            }
        )
    return rows


def _trainer_of_train_lora(
    model_dir: Path, pairs: list[dict[str, str]], recipe: Recipe, out: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The SFTTrainer that ``train_lora`` builds (its own config, dataset and collator),
    captured when ``train()`` is called, before any step runs."""
    import trl

    from fimrepair.finetune import train_lora

    captured: dict[str, Any] = {}

    class Capturing(trl.SFTTrainer):  # type: ignore[misc]
        def train(self, *args: Any, **kwargs: Any) -> Any:
            captured["trainer"] = self
            raise _Captured

    monkeypatch.setattr(trl, "SFTTrainer", Capturing)
    with pytest.raises(_Captured):
        train_lora(model_dir, pairs, [], recipe, out / "adapter")
    return captured["trainer"]


@pytest.mark.parametrize("kind", RECIPE_KINDS)
def test_labels_mask_exactly_the_prompt(
    kind: str, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fimrepair.tokenizer import load_tokenizer

    tok = load_tokenizer(tiny_model_dir, DS)
    rates = {"fim": {"fim_rate": 0.9, "spm_rate": 0.5}, "ir4_psm": {"fim_rate": 1.0, "spm_rate": 0.0}}.get(kind, {})
    pairs = [training_pair(r, kind, DS, seed=1, **rates) for r in _rows(24)]
    if kind == "fim":
        assert {p["mode"] for p in pairs} == {m.value for m in Mode}  # every FIM mode is in the batch
    recipe = Recipe(
        name=kind,
        kind=kind,
        sentinels="deepseek-coder",
        seed=1,
        **rates,
        train=TrainSpec(backend="hf", max_steps=1, batch_size=4, max_length=256, eval_rows=0),
    )
    trainer = _trainer_of_train_lora(tiny_model_dir, pairs, recipe, tmp_path, monkeypatch)
    dataset = trainer.train_dataset
    assert len(dataset) == len(pairs)
    batch = trainer.data_collator([dataset[i] for i in range(len(dataset))])
    width = batch["input_ids"].shape[1]
    for i, pair in enumerate(pairs):
        prompt_ids, completion_ids = tokenize_pair(tok, pair["prompt"], pair["completion"])
        n = len(prompt_ids) + len(completion_ids)
        assert batch["input_ids"][i, :n].tolist() == prompt_ids + completion_ids, pair["mode"]
        expected = [IGNORE] * len(prompt_ids) + completion_ids + [IGNORE] * (width - n)
        assert batch["labels"][i].tolist() == expected, (i, pair["mode"])
