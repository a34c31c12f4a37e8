"""The model stage's facts (results/model/model.json): written once the base model's tokenizer
has passed its load-time check with the configured sentinels and ids, read back as they were,
and refused with the file named when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fimrepair.stages import model as model_stage
from fimrepair.tokenizer import ModelFacts, TokenizerError


def test_the_facts_are_checked_against_the_tokenizer_and_read_back(tiny_model_dir: Path, tmp_path: Path) -> None:
    ids = {"bos": ModelFacts("deepseek-coder").load_tokenizer(tiny_model_dir).bos_token_id}
    model_stage.model_facts(tiny_model_dir, tmp_path / "model.json", sentinels="deepseek-coder", token_ids=ids)
    facts = ModelFacts.load(tmp_path / "model.json")
    assert facts == ModelFacts("deepseek-coder", ids)
    with pytest.raises(TokenizerError, match=r"bos .* is id \d+, the configuration expects"):
        model_stage.model_facts(
            tiny_model_dir, tmp_path / "wrong.json", sentinels="deepseek-coder", token_ids={"bos": ids["bos"] + 1}
        )
    assert not (tmp_path / "wrong.json").exists()
    with pytest.raises(ValueError, match="unknown sentinel family"):
        model_stage.model_facts(tiny_model_dir, tmp_path / "x.json", sentinels="gpt", token_ids=None)


def test_a_malformed_facts_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"sentinels": "deepseek-coder", "token_ids": None, "seed": 1}))
    with pytest.raises(ValueError, match="model.json: expected an object with keys"):
        ModelFacts.load(path)
