"""Typed training recipes: what a LoRA fine-tune does, validated, with unknown keys refused."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fimrepair.prompts import RECIPE_KINDS


class RecipeError(ValueError):
    """A recipe is invalid; the message names the key."""


@dataclass(frozen=True)
class LoraSpec:
    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")


@dataclass(frozen=True)
class TrainSpec:
    backend: str = "hf"  # "hf" (transformers + peft + trl) or "unsloth" (GPU only)
    learning_rate: float = 5e-4
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.0  # fraction of the steps (transformers warmup_steps < 1)
    epochs: float = 2.0
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = 16
    gradient_accumulation: int = 4
    max_length: int = 1024
    logging_steps: int = 10
    eval_rows: int = 200
    bf16: bool = False
    load_in_4bit: bool = False

    # Checkpoints (resumable fine-tuning): every save_steps optimiser steps (0 = never), the
    # last keep_checkpoints kept. Not part of the checkpoint fingerprint.
    save_steps: int = 100
    keep_checkpoints: int = 2


@dataclass(frozen=True)
class Recipe:
    """One fine-tuning recipe (a ``recipes.<name>`` entry of the config plus shared settings)."""

    name: str
    kind: str
    sentinels: str
    seed: int
    fim_rate: float = 0.0
    spm_rate: float = 0.0
    lora: LoraSpec = field(default_factory=LoraSpec)
    train: TrainSpec = field(default_factory=TrainSpec)

    def __post_init__(self) -> None:
        if self.kind not in RECIPE_KINDS:
            raise RecipeError(f"recipe {self.name}: kind must be one of {RECIPE_KINDS}, got {self.kind!r}")
        for key in ("fim_rate", "spm_rate"):
            value = getattr(self, key)
            if not 0.0 <= value <= 1.0:
                raise RecipeError(f"recipe {self.name}: {key} must lie in [0, 1], got {value}")
        if self.train.backend not in ("hf", "unsloth"):
            raise RecipeError(f"recipe {self.name}: train.backend must be 'hf' or 'unsloth', got {self.train.backend!r}")

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
