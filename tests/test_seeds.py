"""Training seeds (config training.seeds): each seed of a recipe is its own fine-tune, differing
only in the recipe's `seed` (data order and LoRA initialisation). On the CPU with the tiny model:
two seeds give different adapters, the same seed the same adapter."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fim_pairs

from fimrepair.config import schema_defaults
from fimrepair.stages import finetune as finetune_stage


def _recipe_file(out: Path, seed: int) -> Path:
    """The recipe file the workflow's `recipe` rule writes for a run of seed ``seed`` (the shared
    training settings include the list of seeds, which the recipe drops)."""
    training = {
        **schema_defaults("training"),
        "learning_rate": 5e-3,
        "max_steps": 4,
        "batch_size": 4,
        "gradient_accumulation": 1,
        "logging_steps": 1,
        "max_length": 256,
        "eval_rows": 0,
        "save_steps": 0,
        "bf16": False,
        "seeds": [1, 2],
    }
    path = out / "recipe.json"
    finetune_stage.recipe(
        path,
        name="fim",
        spec={"kind": "fim", "fim_rate": 0.9, "spm_rate": 0.5},
        lora=schema_defaults("lora"),
        training=training,
        sentinels="deepseek-coder",
        seed=seed,
    )
    return path


def _adapter(model_dir: Path, out: Path, seed: int) -> tuple[dict, list]:
    import torch
    from safetensors.torch import load_file

    from fimrepair.finetune import train_lora
    from fimrepair.recipe import Recipe

    torch.set_num_threads(1)
    recipe = Recipe.load(_recipe_file(out, seed))
    assert recipe.seed == seed
    curve, _ = train_lora(model_dir, fim_pairs(), [], recipe, out / "adapter")
    return load_file(out / "adapter" / "adapter_model.safetensors"), curve


@pytest.fixture(scope="module")
def seed_one(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    return _adapter(tiny_model_dir, tmp_path_factory.mktemp("seed1"), 1)


def test_two_seeds_of_a_recipe_give_different_adapters(tiny_model_dir: Path, seed_one, tmp_path: Path) -> None:
    import torch

    a, curve_a = seed_one
    b, curve_b = _adapter(tiny_model_dir, tmp_path, 2)
    assert a.keys() == b.keys()
    assert not any(torch.equal(a[k], b[k]) for k in a)  # another LoRA initialisation (and data order)
    assert curve_a != curve_b


def test_the_same_seed_gives_the_same_adapter(tiny_model_dir: Path, seed_one, tmp_path: Path) -> None:
    import torch

    a, curve_a = seed_one
    torch.rand(3)  # move the global generator: the seed alone decides
    b, curve_b = _adapter(tiny_model_dir, tmp_path, 1)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert curve_a == curve_b
