"""A stand-in for Unsloth (tests/test_unsloth_order.py): records what the process had imported
(and whether it had queried CUDA) when ``import unsloth`` ran, the environment it saw, and every
call the training code makes, then trains with the reference libraries (transformers, peft,
trl) so the run completes on CPU. The record is written as JSON to $UNSLOTH_STANDIN_RECORD at
exit.

Its trainer configuration carries the defaults that the real Unsloth 2026.10.9 generates for
its SFT config where they differ from trl's (read from the pinned wheel, unsloth/models/rl.py:
the ``replacements`` of ``_patch_trl_rl_trainers`` and the SFT-only ``loss_type``), and its
trainer turns padding-free batching on when ``padding_free`` is left unset, as the real one
does (unsloth/trainer.py, ``_should_auto_padding_free``). A setting the training code leaves to
a default therefore differs between the backends here as it would on a GPU."""

import atexit
import json
import os
import sys

RECORD = {
    "imported_before_unsloth": sorted(
        name for name in sys.modules if name.split(".")[0] in ("transformers", "trl", "peft", "datasets")
    ),
    "cuda_touched_before_unsloth": bool(getattr(sys.modules.get("fimrepair.compute"), "CUDA_TOUCHED", False)),
    "env": {
        k: os.environ.get(k)
        for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "UNSLOTH_DISABLE_STATISTICS")
    },
    "calls": [],
}
if os.environ.get("UNSLOTH_STANDIN_RECORD"):
    atexit.register(lambda: open(os.environ["UNSLOTH_STANDIN_RECORD"], "w").write(json.dumps(RECORD, indent=1)))

from trl import SFTConfig, SFTTrainer  # noqa: E402 - after the record, as Unsloth patches them

# unsloth 2026.10.9, unsloth/models/rl.py: the defaults its generated SFT config replaces (those
# that are fields of trl 1.14.2's SFTConfig), and loss_type "nll" for the SFT trainer.
REAL_UNSLOTH_SFT_DEFAULTS = {
    "output_dir": None,
    "logging_nan_inf_filter": False,
    "per_device_train_batch_size": 4,
    "gradient_accumulation_steps": 2,
    "weight_decay": 0.001,
    "seed": 3407,
    "optim": "adamw_8bit",
    "learning_rate": 5e-05,
    "per_device_eval_batch_size": 4,
    "eval_accumulation_steps": 2,
    "torch_empty_cache_steps": 250,
    "logging_steps": 1,
    "bf16": False,
    "fp16": False,
    "report_to": "none",
    "include_tokens_per_second": False,
    "include_num_input_tokens_seen": False,
    "auto_find_batch_size": False,
    "dataloader_pin_memory": True,
    "padding_free": None,  # None = auto: the trainer turns it on
    "warmup_steps": 0.1,  # transformers >= 5
    "loss_type": "nll",
}


# Unsloth rewrites the defaults of the fields the installed trl declares (a regex over its
# signature) and adds none.
REPLACED = {k: v for k, v in REAL_UNSLOTH_SFT_DEFAULTS.items() if k in SFTConfig.__dataclass_fields__}


class UnslothTrainingArguments(SFTConfig):
    def __init__(self, *args, **kwargs):
        for key, value in REPLACED.items():
            kwargs.setdefault(key, value)
        super().__init__(*args, **kwargs)


class UnslothTrainer(SFTTrainer):
    def __init__(self, *args, **kwargs):
        RECORD["calls"].append({"UnslothTrainer": type(kwargs["args"]).__name__})
        if getattr(kwargs["args"], "padding_free", None) is None:
            kwargs["args"].padding_free = True  # the real trainer's auto padding-free
        super().__init__(*args, **kwargs)


class FastLanguageModel:
    @staticmethod
    def from_pretrained(model_name, **kwargs):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        RECORD["calls"].append({"from_pretrained": {k: str(v) for k, v in kwargs.items()}})
        return AutoModelForCausalLM.from_pretrained(model_name), AutoTokenizer.from_pretrained(model_name)

    @staticmethod
    def get_peft_model(model, **kwargs):
        from peft import LoraConfig, get_peft_model

        RECORD["calls"].append({"get_peft_model": {k: str(v) for k, v in kwargs.items()}})
        lora = LoraConfig(
            r=kwargs["r"],
            lora_alpha=kwargs["lora_alpha"],
            lora_dropout=kwargs["lora_dropout"],
            target_modules=kwargs["target_modules"],
            task_type="CAUSAL_LM",
        )
        return get_peft_model(model, lora)
