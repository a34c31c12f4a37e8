"""With training.backend unsloth, the training process imports Unsloth before transformers,
trl, peft and datasets, runs offline, and uses Unsloth's loader, LoRA and trainer with every
precision and checkpointing choice explicit. Checked without a GPU: a stand-in ``unsloth``
(tests/standins/unsloth) records the import order and the calls, then trains with the
reference libraries. One subprocess: the test process has transformers loaded already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, fim_pairs, small_recipe

from fimrepair import io as fio
from fimrepair.compute import import_unsloth

STANDIN = REPO / "tests" / "standins"

TRAIN = """
import sys
from fimrepair.stages.finetune import finetune
finetune(*sys.argv[1:8], checkpoint_dir=sys.argv[8], allow_cpu=True)
"""


def test_the_training_process_imports_unsloth_first_and_uses_its_trainer(tiny_model_dir: Path, tmp_path: Path):
    small_recipe(backend="unsloth", bf16=True, gradient_checkpointing=True, max_steps=2, save_steps=0).save(
        tmp_path / "recipe.json"
    )
    fio.write_jsonl(tmp_path / "train.jsonl", fim_pairs()[:8])
    fio.write_jsonl(tmp_path / "eval.jsonl", fim_pairs()[:2])
    record = tmp_path / "record.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(STANDIN), str(REPO / "src")]),
        "UNSLOTH_STANDIN_RECORD": str(record),
        "OMP_NUM_THREADS": "1",
    }
    for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "UNSLOTH_DISABLE_STATISTICS"):
        env.pop(key, None)
    args = [
        tiny_model_dir,
        tmp_path / "recipe.json",
        tmp_path / "train.jsonl",
        tmp_path / "eval.jsonl",
        tmp_path / "out" / "adapter",
        tmp_path / "loss.tsv",
        tmp_path / "counts.json",
        tmp_path / "ckpt",
    ]
    result = subprocess.run(
        [sys.executable, "-c", TRAIN, *map(str, args)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(record.read_text())
    assert seen["imported_before_unsloth"] == []
    assert seen["cuda_touched_before_unsloth"] is False  # its allocator settings can still apply
    assert seen["env"] == {
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "UNSLOTH_DISABLE_STATISTICS": "1",
    }
    calls = {name: args for call in seen["calls"] for name, args in call.items()}
    assert calls["UnslothTrainer"] == "UnslothTrainingArguments"
    loaded = calls["from_pretrained"]
    assert (loaded["dtype"], loaded["load_in_16bit"], loaded["load_in_4bit"], loaded["load_in_8bit"]) == (
        "torch.bfloat16",
        "True",
        "False",
        "False",
    )
    assert loaded["fast_inference"] == "False" and loaded["full_finetuning"] == "False"
    assert calls["get_peft_model"]["use_gradient_checkpointing"] == "unsloth"
    assert (tmp_path / "out" / "adapter" / "adapter_model.safetensors").is_file()


def test_unsloth_refuses_to_come_after_transformers():
    import transformers  # noqa: F401 - loaded in this process, as it is for any test before

    assert "unsloth" not in sys.modules
    with pytest.raises(RuntimeError, match="already imported in this process"):
        import_unsloth()


def standin_config_class():
    """The stand-in's config class, loaded under another name (this process has transformers
    loaded, and ``unsloth`` must stay unimported here)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("unsloth_standin", STANDIN / "unsloth" / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.UnslothTrainingArguments


# Fields that differ between the backends on purpose: Unsloth's own gradient checkpointing is
# set on the model (get_peft_model) instead of the trainer's.
BY_DESIGN = {"gradient_checkpointing", "gradient_checkpointing_kwargs"}


@pytest.mark.parametrize("world_size", [1, 2])
def test_both_backends_get_the_same_trainer_configuration(tmp_path: Path, world_size: int):
    """Every field of the two trainer configurations is equal (but the checkpointing pair), with
    the stand-in carrying the real Unsloth's differing defaults: a batching or loss setting left
    to a default (padding-free, loss type, cache clearing, eval accumulation, ...) fails here."""
    from trl import SFTConfig

    from fimrepair.finetune import EXPLICIT_SETTINGS, trainer_config
    from fimrepair.training_batches import batch_plan

    micro, accumulation = batch_plan(16, 4, world_size)
    configs = {
        backend: trainer_config(
            cls,
            small_recipe(backend=backend, batch_size=4, gradient_accumulation=4, gradient_checkpointing=True),
            tmp_path,
            micro=micro,
            accumulation=accumulation,
            use_cpu=True,
            evaluate=True,
        ).to_dict()
        for backend, cls in (("hf", SFTConfig), ("unsloth", standin_config_class()))
    }
    hf, unsloth = configs["hf"], configs["unsloth"]
    assert hf.keys() == unsloth.keys()
    differ = {k: (hf[k], unsloth[k]) for k in hf if hf[k] != unsloth[k] and k not in BY_DESIGN}
    assert differ == {}
    for key, value in EXPLICIT_SETTINGS.items():
        assert hf[key] == value or key == "dataloader_pin_memory", key  # transformers turns it off on the CPU
    assert (hf["per_device_train_batch_size"], hf["gradient_accumulation_steps"]) == (micro, accumulation)
    assert hf["padding_free"] is False and hf["loss_type"] == "nll" and hf["torch_empty_cache_steps"] is None


def test_the_standin_carries_the_real_unsloth_defaults(tmp_path: Path):
    """Without the explicit settings, the stand-in's config differs from trl's where the real
    Unsloth's does (so the comparison above can fail)."""
    from trl import SFTConfig

    bare = {"output_dir": str(tmp_path), "use_cpu": True, "bf16": False}
    trl_cfg, unsloth_cfg = SFTConfig(**bare).to_dict(), standin_config_class()(**bare).to_dict()
    assert (trl_cfg["loss_type"], unsloth_cfg["loss_type"]) == ("chunked_nll", "nll")
    assert (trl_cfg["padding_free"], unsloth_cfg["padding_free"]) == (False, None)
    assert (trl_cfg["torch_empty_cache_steps"], unsloth_cfg["torch_empty_cache_steps"]) == (None, 250)
