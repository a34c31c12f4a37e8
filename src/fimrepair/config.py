"""Checks across configuration keys that a JSON schema cannot express.

The schema (workflow/schemas/config.schema.yaml) validates each key and fills defaults; this
module checks how keys refer to each other. Every error names the key and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REFERENCE_MODELS = ("oracle", "identity")
_SHA = re.compile(r"^[0-9a-f]{40}$")


class ConfigError(ValueError):
    """An invalid configuration; the message names the key."""


def check(config: Mapping[str, Any], workdir: Path = Path(".")) -> list[str]:
    """Raise :class:`ConfigError` on the first cross-key problem; return warnings."""
    warnings: list[str] = []
    recipes, models = config["recipes"], config["models"]
    for name in config["train"]:
        if name not in recipes:
            raise ConfigError(f"train: recipe {name!r} is not defined under recipes (defined: {sorted(recipes)})")
    for name in config["evaluate"]:
        if name in REFERENCE_MODELS:
            raise ConfigError(f"evaluate: {name!r} is a built-in reference model; it is always evaluated")
        if name not in models:
            raise ConfigError(f"evaluate: model {name!r} is not defined under models (defined: {sorted(models)})")
        model = models[name]
        if model["adapter"] == "recipe":
            recipe = model.get("recipe")
            if recipe not in config["train"]:
                raise ConfigError(f"models.{name}.recipe: {recipe!r} must be one of the trained recipes {config['train']}")
        if model.get("skip") and config["analysis"].get("reference_model") == name:
            raise ConfigError(f"models.{name}.skip: the reference model (analysis.reference_model) cannot be skipped")
        if model["adapter"] == "hub" and not model.get("hub_id"):
            raise ConfigError(f"models.{name}.hub_id: required when adapter is 'hub'")
    gen = config["generation"]
    if gen["num_return_sequences"] > gen["num_beams"]:
        raise ConfigError(f"generation.num_return_sequences ({gen['num_return_sequences']}) must not exceed generation.num_beams ({gen['num_beams']})")
    base = config["base_model"]
    if base["source"] == "local":
        if not base.get("path") or not (workdir / base["path"]).is_dir():
            raise ConfigError(f"base_model.path: {base.get('path')!r} is not a directory (base_model.source is 'local')")
    elif base["source"] == "scratch":
        tok = base.get("tokenizer")
        if not tok or not (workdir / tok / "tokenizer.json").is_file():
            raise ConfigError(f"base_model.tokenizer: {tok!r} has no tokenizer.json (base_model.source is 'scratch')")
    elif base["source"] == "hub" and not _SHA.match(base["revision"]):
        warnings.append(f"base_model.revision {base['revision']!r} is not a commit sha: the resolved commit is recorded, but pin it for a paper run")
    data = config["data"]
    if data["source"] == "local" and (not data.get("path") or not (workdir / data["path"]).is_file()):
        raise ConfigError(f"data.path: {data.get('path')!r} is not a file (data.source is 'local')")
    if data["source"] in ("hub", "hub_full") and not _SHA.match(data["revision"]):
        warnings.append(f"data.revision {data['revision']!r} is not a commit sha: the resolved commit is recorded, but pin it for a paper run")
    bench = config["benchmark"]
    if bench["source"] == "local":
        root = bench.get("root")
        if not root:
            raise ConfigError("benchmark.root: required when benchmark.source is 'local'")
        if not (workdir / root).is_dir():
            raise ConfigError(f"benchmark.root: {root} does not exist or is not a directory")
    return warnings


def models_to_evaluate(config: Mapping[str, Any]) -> list[str]:
    """The configured models followed by the two reference models."""
    return [*config["evaluate"], *REFERENCE_MODELS]
