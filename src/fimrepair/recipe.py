"""Typed training recipes: what a LoRA fine-tune does, validated, with unknown keys refused."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fimrepair.config import schema_defaults
from fimrepair.prompts import RECIPE_KINDS


class RecipeError(ValueError):
    """A recipe is invalid; the message names the key."""


# Defaults come from the configuration schema (``lora``, ``training``), their one source.
_LORA = schema_defaults("lora")
_TRAINING = schema_defaults("training")

BACKENDS: tuple[str, ...] = ("hf", "unsloth")
"""Training backends: transformers + peft + trl (the reference path), or Unsloth (GPU only)."""


@dataclass(frozen=True)
class LoraSpec:
    """``lora`` in the config."""

    r: int = _LORA["r"]
    alpha: int = _LORA["alpha"]
    dropout: float = float(_LORA["dropout"])
    target_modules: tuple[str, ...] = tuple(_LORA["target_modules"])


@dataclass(frozen=True)
class TrainSpec:
    """``training`` in the config (RepairLLaMA's DeepSeek-Coder LoRA run by default; every
    key's meaning is in the schema)."""

    backend: str = _TRAINING["backend"]  # one of BACKENDS
    learning_rate: float = float(_TRAINING["learning_rate"])
    lr_scheduler: str = _TRAINING["lr_scheduler"]
    warmup_steps: int = _TRAINING["warmup_steps"]  # optimiser steps of linear warm-up (a count, not a ratio)
    weight_decay: float = float(_TRAINING["weight_decay"])
    max_grad_norm: float = float(_TRAINING["max_grad_norm"])
    optim: str = _TRAINING["optim"]
    epochs: float = float(_TRAINING["epochs"])
    max_steps: int = _TRAINING["max_steps"]  # > 0 overrides epochs
    batch_size: int = _TRAINING["batch_size"]
    gradient_accumulation: int = _TRAINING["gradient_accumulation"]  # examples per optimiser step = batch_size x this
    gradient_checkpointing: bool = _TRAINING["gradient_checkpointing"]
    max_length: int = _TRAINING["max_length"]
    logging_steps: int = _TRAINING["logging_steps"]
    eval_steps: int = _TRAINING["eval_steps"]
    eval_rows: int = _TRAINING["eval_rows"]
    bf16: bool = _TRAINING["bf16"]  # on GPU; CPU runs train in float32
    load_in_4bit: bool = _TRAINING["load_in_4bit"]
    # GPUs (DDP processes launched by torchrun) of one fine-tune; the examples per optimiser
    # step stay batch_size x gradient_accumulation (fimrepair.training_batches.batch_plan).
    processes: int = _TRAINING["processes"]

    @property
    def examples_per_step(self) -> int:
        return self.batch_size * self.gradient_accumulation

    # Checkpoints (resumable fine-tuning): every save_steps optimiser steps (0 = never), the
    # last keep_checkpoints kept. Not part of the checkpoint fingerprint.
    save_steps: int = _TRAINING["save_steps"]
    keep_checkpoints: int = _TRAINING["keep_checkpoints"]


@dataclass(frozen=True)
class Recipe:
    """One fine-tuning recipe (a ``recipes.<name>`` entry of the config plus shared settings)."""

    name: str
    kind: str
    sentinels: str
    seed: int
    fim_rate: float = 0.0
    spm_rate: float = 0.0
    # Ids the tokenizer's special strings must have (``base_model.token_ids``); None = unchecked.
    token_ids: dict[str, int] | None = None
    lora: LoraSpec = field(default_factory=LoraSpec)
    train: TrainSpec = field(default_factory=TrainSpec)

    def __post_init__(self) -> None:
        if self.kind not in RECIPE_KINDS:
            raise RecipeError(f"recipe {self.name}: kind must be one of {RECIPE_KINDS}, got {self.kind!r}")
        for key in ("fim_rate", "spm_rate"):
            value = getattr(self, key)
            if not 0.0 <= value <= 1.0:
                raise RecipeError(f"recipe {self.name}: {key} must lie in [0, 1], got {value}")
        if self.kind == "ir4_psm" and (self.fim_rate, self.spm_rate) != (1.0, 0.0):
            raise RecipeError(
                f"recipe {self.name}: kind ir4_psm is PSM on every example (fim_rate 1, spm_rate 0), got {self.fim_rate}, {self.spm_rate}"
            )
        if self.train.backend == "unsloth" and self.train.processes > 1:
            raise RecipeError(
                f"recipe {self.name}: train.backend 'unsloth' with train.processes {self.train.processes} is refused: "
                "DDP is tested with the hf backend only; the pinned Unsloth (2026.10.9) also patches trl's train() "
                "with a check that stops when more than one GPU holds memory (docs/gpu.md). Use backend hf for DDP"
            )
        if self.train.backend not in BACKENDS:
            raise RecipeError(
                f"recipe {self.name}: train.backend must be one of {BACKENDS}, got {self.train.backend!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        """Build from a dict; an unknown key anywhere is an error naming it."""
        data = dict(data)
        lora = _build(LoraSpec, data.pop("lora", {}), f"{data.get('name')}.lora")
        train = _build(TrainSpec, data.pop("train", {}), f"{data.get('name')}.train")
        return _build(cls, {**data, "lora": lora, "train": train}, str(data.get("name")))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> Recipe:
        return cls.from_dict(json.loads(path.read_text()))


def _build(kind: type, data: dict[str, Any], where: str) -> Any:
    names = {f.name for f in dataclasses.fields(kind)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise RecipeError(f"recipe {where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    if "target_modules" in data:
        data = {**data, "target_modules": tuple(data["target_modules"])}
    return kind(**data)
