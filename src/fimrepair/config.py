"""The configuration's settings, typed and defaulted once, and checks across configuration
keys that a JSON schema cannot express.

The schema (workflow/schemas/config.schema.yaml, shipped in the package as the resource
``data/config.schema.yaml``) validates each key and is the only place a default is written.
Each section that code reads is a frozen dataclass here whose defaults are the schema's
(:class:`BenchmarkSpec`, :class:`GenerationSpec`, :class:`ValidationSpec`, :class:`AnalysisSpec`,
:class:`DecontaminationSpec`, :class:`TinyModelSpec`, :class:`TrainSpec`, :class:`LoraSpec`,
:class:`RecipeSpec`): a section is built from the validated configuration with
``Spec.from_config(config)`` (or from the section's own mapping with ``Spec.from_section``),
a key the section does not have is refused naming it, and a missing key takes the schema's
default. A section's field without a schema key (or a schema key without a field) stops the
import, so code and schema cannot drift apart; tests/test_settings.py compares them field by
field. Enumerations live in the code that implements them (prompt styles, recipe kinds,
backends, sentinel families, benchmark kinds); tests/test_config_schema.py keeps the schema's
``enum`` lists equal to them.

:func:`check` checks how keys refer to each other. Every error names the key and the problem.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, TypeVar

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


# --- the sections: one frozen dataclass each, defaults from the schema --------------------

_S = TypeVar("_S", bound="_Section")


class _Section:
    """What every section shares: where it sits in the configuration, and its constructors."""

    PATH: ClassVar[tuple[str, ...]]
    """The section's path in the configuration (``"*"``: any key of a mapping)."""
    SCHEMA_ONLY: ClassVar[frozenset[str]] = frozenset()
    """Schema keys of the section that are not fields (read elsewhere, e.g. ``training.seeds``)."""

    @classmethod
    def from_section(cls: type[_S], values: Mapping[str, Any] | None) -> _S:
        """The section from its mapping (``None`` or a missing key: the schema's default; the
        :attr:`SCHEMA_ONLY` keys are left out). A key that the schema does not have for this
        section, or a missing key that it requires, is an error naming it."""
        values = dict(values or {})
        node = schema_node(*cls.PATH)
        known = set(node["properties"])
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"{'.'.join(cls.PATH)}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        missing = sorted(set(node.get("required", ())) - set(values))
        if missing:
            raise ConfigError(f"{'.'.join(cls.PATH)}: required key(s) {', '.join(missing)} missing")
        fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in values.items() if k in fields})

    @classmethod
    def from_config(cls: type[_S], config: Mapping[str, Any] | None) -> _S:
        """The section of a whole (validated) configuration; absent parts take the defaults."""
        if "*" in cls.PATH:
            raise TypeError(f"{cls.__name__}: one entry of {'.'.join(cls.PATH)}: use from_section")
        node: Mapping[str, Any] | None = config
        for key in cls.PATH:
            node = (node or {}).get(key)
        return cls.from_section(node)

    def to_dict(self) -> dict[str, Any]:
        """The settings by key."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]


def _schema_default(spec: Mapping[str, Any]) -> Any:
    """A schema default as the field holds it: a ``number`` as a float, an array as a tuple."""
    value = spec["default"]
    types = spec.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if isinstance(value, int) and not isinstance(value, bool) and "number" in types and "integer" not in types:
        return float(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def _section(*path: str, schema_only: frozenset[str] = frozenset()) -> Callable[[type[_S]], type[_S]]:
    """Make ``cls`` the frozen dataclass of the configuration section ``path``: each field named
    like a schema key gets that key's schema default (a key the schema requires, without a
    default, stays required); a field that is no schema key must carry its own default (code-only:
    not a setting). A schema key without a field, other than ``schema_only``, is an error."""

    def wrap(cls: type[_S]) -> type[_S]:
        where = ".".join(path)
        node = schema_node(*path)
        props, required = node["properties"], set(node.get("required", ()))
        names = list(inspect.get_annotations(cls))
        lacking = sorted(set(props) - set(names) - schema_only)
        if lacking:
            raise TypeError(f"{cls.__name__}: schema key(s) {where}.{{{', '.join(lacking)}}} have no field")
        for name in names:
            if name in props:
                if name in cls.__dict__:
                    raise TypeError(f"{cls.__name__}.{name}: the default is the schema's ({where}.{name}), not code's")
                if "default" in props[name]:
                    setattr(cls, name, _schema_default(props[name]))
                elif name not in required:
                    raise TypeError(f"{cls.__name__}.{name}: {where}.{name} has no default in the schema")
            elif name not in cls.__dict__:
                raise TypeError(f"{cls.__name__}.{name}: no schema key {where}.{name} and no default of its own")
        cls.PATH, cls.SCHEMA_ONLY = path, frozenset(schema_only)
        return dataclasses.dataclass(frozen=True)(cls)

    return wrap


@_section("benchmark")
class BenchmarkSpec(_Section):
    """``benchmark`` (and each of ``extra_benchmarks``): one evaluation benchmark."""

    name: str
    kind: str
    source: str
    repo: str | None
    commit: str | None
    root: str | None
    include: tuple[str, ...] | None
    exclude: tuple[str, ...]
    remove_blank_lines: bool
    java_level: str | int | None


@_section("generation")
class GenerationSpec(_Section):
    """``generation``: decoding (beam search)."""

    num_beams: int
    num_return_sequences: int
    max_new_tokens: int
    batch_size: int  # bugs per generate call


@_section("validation")
class ValidationSpec(_Section):
    """``validation``: the limits of validating one candidate."""

    per_candidate_timeout_s: float
    compile_grace_s: float


@_section("analysis")
class AnalysisSpec(_Section):
    """``analysis``: the published reference and the statistics."""

    reference_plausible: int | None
    reference_exact: int | None
    reference_label: str
    reference_bugs: int
    reference_model: str | None
    alpha: float
    power: float
    bootstrap_resamples: int


@_section("data", "decontamination")
class DecontaminationSpec(_Section):
    """``data.decontamination``: the near-duplicate measure."""

    threshold: float
    ngram: int


@_section("base_model", "tiny")
class TinyModelSpec(_Section):
    """``base_model.tiny``: size and pre-training of the tiny (and scratch) model."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    max_position_embeddings: int = 1024  # not a setting: longer than any pre-training or fine-tuning sequence
    pretrain_steps: int
    pretrain_batch_size: int
    pretrain_seq_len: int
    pretrain_lr: float
    fim_rate: float
    repeat_rate: float
    tie_embeddings: bool
    copy_warmup_steps: int


@_section("recipes", "*")
class RecipeSpec(_Section):
    """One ``recipes.<name>`` entry: the recipe's kind and FIM rates (``kind`` is required)."""

    kind: str
    fim_rate: float
    spm_rate: float


@_section("lora")
class LoraSpec(_Section):
    """``lora``: the LoRA adapters, shared by all recipes (the fields of peft's ``LoraConfig``
    that they set, by the same names)."""

    r: int
    lora_alpha: int
    lora_dropout: float
    target_modules: tuple[str, ...]


# training.seeds lists the runs of a recipe, each a Recipe with one `seed` (fimrepair.stages.finetune.recipe).
@_section("training", schema_only=frozenset({"seeds"}))
class TrainSpec(_Section):
    """``training``: optimisation settings shared by all recipes (RepairLLaMA's DeepSeek-Coder
    LoRA run by default; every key's meaning is in the schema). A field named like a field of
    the trainer's configuration (trl's ``SFTConfig``) is that field: the trainer gets it under
    its own name (:func:`fimrepair.finetune.trainer_config`)."""

    backend: str  # one of fimrepair.recipe.BACKENDS
    learning_rate: float
    lr_scheduler_type: str
    warmup_steps: int  # optimiser steps of linear warm-up (a count, not a ratio)
    weight_decay: float
    max_grad_norm: float
    optim: str
    num_train_epochs: float
    max_steps: int  # > 0 overrides num_train_epochs
    batch_size: int
    gradient_accumulation: int  # examples per optimiser step = batch_size x this
    gradient_checkpointing: bool
    max_length: int
    logging_steps: int
    eval_steps: int
    eval_rows: int
    bf16: bool  # on GPU; CPU runs train in float32
    load_in_4bit: bool
    # GPUs (DDP processes launched by torchrun) of one fine-tune; the examples per optimiser
    # step stay batch_size x gradient_accumulation (fimrepair.finetune.batch_plan).
    processes: int
    # Checkpoints (resumable fine-tuning): every save_steps optimiser steps (0 = never), the
    # last save_total_limit kept. Not part of the checkpoint fingerprint.
    save_steps: int
    save_total_limit: int

    @property
    def examples_per_step(self) -> int:
        return self.batch_size * self.gradient_accumulation


SECTIONS: tuple[type[_Section], ...] = (
    BenchmarkSpec,
    GenerationSpec,
    ValidationSpec,
    AnalysisSpec,
    DecontaminationSpec,
    TinyModelSpec,
    RecipeSpec,
    LoraSpec,
    TrainSpec,
)
"""Every typed section (tests/test_settings.py compares each with the schema)."""

DEFAULT_SEED: int = load_schema()["properties"]["seed"]["default"]
"""The global ``seed``'s default (e.g. the bootstrap's seed when an analysis is given none)."""


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
        kind = BenchmarkSpec.from_section(bench).kind
        if bench["source"] == "tiny" and kind != "humaneval-java":
            raise ConfigError(f"{key}.kind: the tiny benchmark has the humaneval-java layout, not {kind!r}")
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
        kind = known[BenchmarkSpec.from_section(spec).kind]
        out[spec["name"]] = {**spec, "repo": spec.get("repo") or kind.repo, "commit": spec.get("commit") or kind.commit}
    return out


def models_to_evaluate(config: Mapping[str, Any]) -> list[str]:
    """The configured models followed by the two reference models."""
    return [*config["evaluate"], *REFERENCE_MODELS]
