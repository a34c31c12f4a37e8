"""A stand-in for Unsloth (tests/test_unsloth_order.py): records what the process had imported
when ``import unsloth`` ran, the environment it saw, and every call the training code makes,
then trains with the reference libraries (transformers, peft, trl) so the run completes on CPU.
The record is written as JSON to $UNSLOTH_STANDIN_RECORD at exit."""

import atexit
import json
import os
import sys

RECORD = {
    "imported_before_unsloth": sorted(
        name for name in sys.modules if name.split(".")[0] in ("transformers", "trl", "peft", "datasets")
    ),
    "env": {
        k: os.environ.get(k)
        for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "UNSLOTH_DISABLE_STATISTICS")
    },
    "calls": [],
}
atexit.register(lambda: open(os.environ["UNSLOTH_STANDIN_RECORD"], "w").write(json.dumps(RECORD, indent=1)))

from trl import SFTConfig, SFTTrainer  # noqa: E402 - after the record, as Unsloth patches them


class UnslothTrainingArguments(SFTConfig):
    pass


class UnslothTrainer(SFTTrainer):
    def __init__(self, *args, **kwargs):
        RECORD["calls"].append({"UnslothTrainer": type(kwargs["args"]).__name__})
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
