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

from fimrepair import steps
from fimrepair.compute import import_unsloth

STANDIN = REPO / "tests" / "standins"

TRAIN = """
import sys
from fimrepair.steps import finetune
finetune(*sys.argv[1:8], checkpoint_dir=sys.argv[8], allow_cpu=True)
"""


def test_the_training_process_imports_unsloth_first_and_uses_its_trainer(tiny_model_dir: Path, tmp_path: Path):
    small_recipe(backend="unsloth", bf16=True, gradient_checkpointing=True, max_steps=2, save_steps=0).save(
        tmp_path / "recipe.json"
    )
    steps.write_jsonl(tmp_path / "train.jsonl", fim_pairs()[:8])
    steps.write_jsonl(tmp_path / "eval.jsonl", fim_pairs()[:2])
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
