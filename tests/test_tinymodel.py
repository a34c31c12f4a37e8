"""The tiny model's copy warm-up and tied embeddings (base_model.tiny: copy_warmup_steps,
tie_embeddings). Whether the warm-up makes the pipeline's model copy is checked on the tiny
run's own model in test_workflow_e2e.py."""

from __future__ import annotations

import random
from pathlib import Path

import pytest


def test_copy_documents_repeat_a_random_sequence_once():
    from fimrepair.tinymodel import copy_documents

    ids = list(range(10, 60))
    docs = copy_documents(ids, random.Random(3), 200, length=(4, 9))
    assert len(docs) == 200
    for doc in docs:
        half = len(doc) // 2
        assert len(doc) % 2 == 0 and 4 <= half <= 9
        assert doc[:half] == doc[half:]
        assert set(doc) <= set(ids)
    assert len({tuple(d) for d in docs}) > 150  # random, not one document repeated
    assert docs == copy_documents(ids, random.Random(3), 200, length=(4, 9))  # seeded


@pytest.fixture(scope="module")
def tied_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    import torch

    from fimrepair.fim import sentinels
    from fimrepair.synthetic import fixed_functions
    from fimrepair.tinymodel import TinyModelSpec, build_tiny_model

    torch.set_num_threads(1)
    corpus = fixed_functions(120, seed=5)
    out = tmp_path_factory.mktemp("tied-model")
    spec = TinyModelSpec(
        vocab_size=600,
        hidden_size=32,
        intermediate_size=64,
        num_layers=1,
        pretrain_steps=4,
        copy_warmup_steps=3,
        tie_embeddings=True,
    )
    curve = build_tiny_model(corpus, sentinels("deepseek-coder"), spec, 7, out, progress=False)
    return out, curve


def test_the_copy_warm_up_comes_before_code_pre_training(tied_model):
    _, curve = tied_model
    assert [(r["phase"], r["step"]) for r in curve] == [("copy", 1), ("copy", 2), ("copy", 3)] + [
        ("code", s) for s in range(1, 5)
    ]
    assert all(r["loss"] > 0 for r in curve)


def test_a_tied_model_saves_and_loads_with_one_embedding_matrix(tied_model):
    from transformers import AutoModelForCausalLM

    out, _ = tied_model
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.tie_word_embeddings is True
    assert model.lm_head.weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()


def test_an_untied_model_has_its_own_output_layer(tiny_model_dir: Path):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)  # the default spec: untied
    assert model.config.tie_word_embeddings is False
    assert model.lm_head.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr()
