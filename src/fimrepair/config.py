"""The configuration schema as the one source of defaults, and checks across configuration
keys that a JSON schema cannot express.

The schema (workflow/schemas/config.schema.yaml, shipped in the package as the resource
``data/config.schema.yaml``) validates each key and fills defaults; it is the only place a
default is written: the typed specs (:class:`fimrepair.recipe.TrainSpec`, ``LoraSpec``,
:class:`fimrepair.tinymodel.TinyModelSpec`, the decontamination settings) take theirs from
it through :func:`schema_defaults`. Enumerations live in the code that implements them
(prompt styles, recipe kinds, backends, sentinel families, benchmark kinds);
tests/test_config_schema.py keeps the schema's ``enum`` lists equal to them.

:func:`check` checks how keys refer to each other. Every error names the key and the problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

REFERENCE_MODELS: tuple[str, ...] = ("oracle", "identity")
"""The built-in reference "models", evaluated in every run: the developer fix and the buggy
method unchanged (the schema's ``models`` keys may not take these names)."""

SCHEMA_RESOURCE = "config.schema.yaml"
"""The configuration schema, a package resource (``fimrepair/data/``)."""
_SHA = re.compile(r"^[0-9a-f]{40}$")


class ConfigError(ValueError):
    """An invalid configuration; the message names the key."""


@functools.cache
def load_schema() -> dict[str, Any]:
    """The configuration schema (parsed YAML)."""
    import yaml

    return yaml.safe_load(resources.files("fimrepair").joinpath("data", SCHEMA_RESOURCE).read_text(encoding="utf-8"))


def schema_node(*keys: str) -> dict[str, Any]:
    """The schema of a configuration key, by its path (``"*"`` = any key of a mapping, e.g. a
    recipe's settings: ``schema_node("recipes", "*")``); ``$ref``s are followed."""
    schema = load_schema()
    node = schema
    for key in keys:
        node = node["additionalProperties"] if key == "*" else node["properties"][key]
        while "$ref" in node:
            node = functools.reduce(lambda n, part: n[part], node["$ref"].removeprefix("#/").split("/"), schema)
    return node


def schema_defaults(*keys: str) -> dict[str, Any]:
    """The defaults of the keys of a configuration mapping, e.g. ``schema_defaults("training")``."""
    return {name: spec["default"] for name, spec in schema_node(*keys)["properties"].items() if "default" in spec}


def schema_enum(*keys: str) -> tuple[Any, ...]:
    """The values the schema allows for a key, e.g. ``schema_enum("training", "backend")``."""
    return tuple(schema_node(*keys)["enum"])


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
                raise ConfigError(
                    f"models.{name}.recipe: {recipe!r} must be one of the trained recipes {config['train']}"
                )
        if model.get("skip") and config["analysis"].get("reference_model") == name:
            raise ConfigError(f"models.{name}.skip: the reference model (analysis.reference_model) cannot be skipped")
        if model["adapter"] == "hub" and not model.get("hub_id"):
            raise ConfigError(f"models.{name}.hub_id: required when adapter is 'hub'")
    gen = config["generation"]
    if gen["num_return_sequences"] > gen["num_beams"]:
        raise ConfigError(
            f"generation.num_return_sequences ({gen['num_return_sequences']}) must not exceed generation.num_beams ({gen['num_beams']})"
        )
    base = config["base_model"]
    if base["source"] == "local":
        if not base.get("path") or not (workdir / base["path"]).is_dir():
            raise ConfigError(
                f"base_model.path: {base.get('path')!r} is not a directory (base_model.source is 'local')"
            )
    elif base["source"] == "scratch":
        tok = base.get("tokenizer")
        if not tok or not (workdir / tok / "tokenizer.json").is_file():
            raise ConfigError(f"base_model.tokenizer: {tok!r} has no tokenizer.json (base_model.source is 'scratch')")
    elif base["source"] == "hub" and not _SHA.match(base["revision"]):
        warnings.append(
            f"base_model.revision {base['revision']!r} is not a commit sha: the resolved commit is recorded, but pin it for a paper run"
        )
    data = config["data"]
    if data["source"] == "local" and (not data.get("path") or not (workdir / data["path"]).is_file()):
        raise ConfigError(f"data.path: {data.get('path')!r} is not a file (data.source is 'local')")
    if data["source"] in ("hub", "hub_full") and not _SHA.match(data["revision"]):
        warnings.append(
            f"data.revision {data['revision']!r} is not a commit sha: the resolved commit is recorded, but pin it for a paper run"
        )
    specs = benchmark_specs(config)
    for key, bench in (
        ("benchmark", config["benchmark"]),
        *((f"extra_benchmarks[{i}]", b) for i, b in enumerate(config.get("extra_benchmarks", []))),
    ):
        if bench["source"] == "local":
            root = bench.get("root")
            if not root:
                raise ConfigError(f"{key}.root: required when {key}.source is 'local'")
            if not (workdir / root).is_dir():
                raise ConfigError(f"{key}.root: {root} does not exist or is not a directory")
        if bench["source"] == "tiny" and bench.get("kind", "humaneval-java") != "humaneval-java":
            raise ConfigError(f"{key}.kind: the tiny benchmark has the humaneval-java layout, not {bench['kind']!r}")
    names = [config["benchmark"]["name"], *(b["name"] for b in config.get("extra_benchmarks", []))]
    if len(set(names)) != len(names):
        raise ConfigError(f"extra_benchmarks: benchmark names must be distinct, got {names}")
    seen: set[str] = set()
    for i, pub in enumerate(config.get("published", [])):
        key = f"published[{i}]"
        if pub["name"] in seen or pub["name"] in models or pub["name"] in REFERENCE_MODELS:
            raise ConfigError(f"{key}.name: {pub['name']!r} is already a model or published set name")
        seen.add(pub["name"])
        if pub["benchmark"] not in specs:
            raise ConfigError(
                f"{key}.benchmark: {pub['benchmark']!r} is not an evaluated benchmark ({', '.join(specs)})"
            )
        if pub["source"] == "url" and not pub.get("url"):
            raise ConfigError(f"{key}.url: required when source is 'url'")
        if pub["source"] == "local" and (not pub.get("path") or not (workdir / pub["path"]).is_file()):
            raise ConfigError(f"{key}.path: {pub.get('path')!r} is not a file (source is 'local')")
        if pub["source"] == "tiny" and specs[pub["benchmark"]]["source"] != "tiny":
            raise ConfigError(
                f"{key}.source: 'tiny' makes a set from the tiny benchmark; {pub['benchmark']!r} is not it"
            )
    return warnings


def benchmark_specs(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every evaluated benchmark by name, the primary (``benchmark``) first, with its repo and
    commit filled in from its kind when not configured."""
    from fimrepair.benchmarks import kinds

    known = kinds()
    out: dict[str, dict[str, Any]] = {}
    for spec in (config["benchmark"], *config.get("extra_benchmarks", [])):
        kind = known[spec.get("kind", "humaneval-java")]
        out[spec["name"]] = {**spec, "repo": spec.get("repo") or kind.repo, "commit": spec.get("commit") or kind.commit}
    return out


def models_to_evaluate(config: Mapping[str, Any]) -> list[str]:
    """The configured models followed by the two reference models."""
    return [*config["evaluate"], *REFERENCE_MODELS]
