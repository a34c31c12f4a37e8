"""Typed training recipes: what a LoRA fine-tune does, validated, with unknown keys refused.

The shared settings are the configuration's sections :class:`~fimrepair.config.LoraSpec` and
:class:`~fimrepair.config.TrainSpec` (defaults from the schema)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fimrepair.config import LoraSpec, TrainSpec
from fimrepair.prompts import RECIPE_KINDS


class RecipeError(ValueError):
    """A recipe is invalid; the message names the key."""


BACKENDS: tuple[str, ...] = ("hf", "unsloth")
"""Training backends: transformers + peft + trl (the reference path), or Unsloth (GPU only)."""


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
