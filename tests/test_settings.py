"""Every configured setting is typed and defaulted once: each section's frozen dataclass
(:mod:`fimrepair.config`), built from an empty configuration, holds the schema's defaults, field
by field, and has a field for every schema key of its section.

The schema is read here straight from workflow/schemas/config.schema.yaml (not through
fimrepair.config), so a default written in code, a schema key without its field or a field
without its key fails here, naming it."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from fimrepair import config as C

SCHEMA = Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml"

# The sections, by their path in the configuration.
SECTIONS = {
    "benchmark": C.BenchmarkSpec,
    "generation": C.GenerationSpec,
    "validation": C.ValidationSpec,
    "analysis": C.AnalysisSpec,
    "data.decontamination": C.DecontaminationSpec,
    "base_model.tiny": C.TinyModelSpec,
    "recipes.*": C.RecipeSpec,
    "lora": C.LoraSpec,
    "training": C.TrainSpec,
}
# Fields that are not settings (no schema key, a fixed value of their own).
CODE_ONLY = {"base_model.tiny": {"max_position_embeddings"}}
# Schema keys read elsewhere, not fields: training.seeds lists a recipe's runs, each of which is
# a Recipe with one `seed` (fimrepair.stages.finetune.recipe).
SCHEMA_ONLY = {"training": {"seeds"}}
# Keys that the schema requires (no default): what an otherwise empty section must give.
REQUIRED = {"recipes.*": {"kind": "fim"}}


@functools.cache
def _schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


def _node(section: str) -> dict[str, Any]:
    node = _schema()
    for key in section.split("."):
        node = node["additionalProperties"] if key == "*" else node["properties"][key]
        if "$ref" in node:
            node = _schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _empty(section: str) -> Any:
    """The section of an empty configuration (only its required keys given)."""
    cls = SECTIONS[section]
    if "*" in section:
        return cls.from_section(REQUIRED.get(section, {}))
    return cls.from_config({})


def assert_schema_defaults(section: str, spec: Any) -> None:
    """``spec`` has a field for every schema key of ``section`` (and no other, but the
    code-only ones) and holds each key's schema default, of the schema's type."""
    props = _node(section)["properties"]
    fields = {f.name for f in dataclasses.fields(spec)}
    keys = set(props) - SCHEMA_ONLY.get(section, set())
    assert keys - fields == set(), f"{section}: schema keys without a field: {sorted(keys - fields)}"
    assert fields - keys == CODE_ONLY.get(section, set()), (
        f"{section}: fields without a schema key: {sorted(fields - keys)} (code-only: {CODE_ONLY.get(section)})"
    )
    assert type(spec).SCHEMA_ONLY == SCHEMA_ONLY.get(section, set()), section
    for key in sorted(keys):
        value = getattr(spec, key)
        if key in REQUIRED.get(section, {}):
            assert value == REQUIRED[section][key]
            continue
        assert "default" in props[key], f"{section}.{key}: no default in the schema"
        want = props[key]["default"]
        assert (list(value) if isinstance(value, tuple) else value) == want, (
            f"{section}.{key}: code {value!r}, schema {want!r}"
        )
        types = props[key]["type"] if isinstance(props[key]["type"], list) else [props[key]["type"]]
        if want is not None and types == ["number"]:
            assert type(value) is float, f"{section}.{key}: a number, held as {type(value).__name__}"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_a_section_of_an_empty_configuration_is_the_schemas_defaults(section: str) -> None:
    spec = _empty(section)
    assert type(spec).PATH == tuple(section.split("."))
    assert_schema_defaults(section, spec)


def test_every_section_is_tested() -> None:
    assert set(SECTIONS.values()) == set(C.SECTIONS)


def test_the_comparison_bites() -> None:
    """A section whose value differs from the schema's default, or that lacks a key, fails."""
    with pytest.raises(AssertionError, match=r"generation\.num_beams: code 3"):
        assert_schema_defaults("generation", dataclasses.replace(C.GenerationSpec(), num_beams=3))
    with pytest.raises(AssertionError, match=r"a number, held as int"):
        assert_schema_defaults("validation", C.ValidationSpec(per_candidate_timeout_s=120))

    @dataclasses.dataclass(frozen=True)
    class Lacking:
        threshold: float = 0.8

    with pytest.raises(AssertionError, match=r"schema keys without a field: \['ngram'\]"):
        assert_schema_defaults("data.decontamination", Lacking())


def test_a_default_written_in_code_or_a_missing_field_stops_the_definition() -> None:
    with pytest.raises(TypeError, match=r"num_beams: the default is the schema's"):

        @C._section("generation")
        class Literal(C._Section):
            num_beams: int = 5
            num_return_sequences: int
            max_new_tokens: int
            batch_size: int

    with pytest.raises(TypeError, match=r"generation\.\{batch_size\} have no field"):

        @C._section("generation")
        class Lacking(C._Section):
            num_beams: int
            num_return_sequences: int
            max_new_tokens: int

    with pytest.raises(TypeError, match=r"no schema key generation\.beam_width and no default"):

        @C._section("generation")
        class Extra(C._Section):
            num_beams: int
            num_return_sequences: int
            max_new_tokens: int
            batch_size: int
            beam_width: int


def test_an_unknown_key_is_refused_naming_the_section_and_the_key() -> None:
    with pytest.raises(C.ConfigError, match=r"^generation: unknown key\(s\) beams; known: batch_size, "):
        C.GenerationSpec.from_config({"generation": {"num_beams": 4, "beams": 4}})
    with pytest.raises(C.ConfigError, match=r"^base_model\.tiny: unknown key\(s\) max_position_embeddings"):
        C.TinyModelSpec.from_section({"max_position_embeddings": 64})
    with pytest.raises(C.ConfigError, match=r"^recipes\.\*: unknown key\(s\) rate"):
        C.RecipeSpec.from_section({"kind": "fim", "rate": 0.5})
    with pytest.raises(C.ConfigError, match=r"^recipes\.\*: required key\(s\) kind missing"):
        C.RecipeSpec.from_section({"fim_rate": 0.5})


def test_given_values_win_and_are_kept_as_given() -> None:
    """A configured value replaces the default as it is (the workflow passes the validated
    configuration's values on unchanged); ``training.seeds`` is the schema's, not a field."""
    spec = C.TrainSpec.from_config({"training": {"num_train_epochs": 3, "seeds": [1, 2]}, "generation": {}})
    assert spec.num_train_epochs == 3 and type(spec.num_train_epochs) is int
    assert dataclasses.replace(spec, num_train_epochs=C.TrainSpec().num_train_epochs) == C.TrainSpec()
    assert C.AnalysisSpec.from_config({"analysis": {"reference_model": None}}).reference_model is None
    assert C.DEFAULT_SEED == _schema()["properties"]["seed"]["default"]


def test_the_modules_use_the_sections() -> None:
    """The settings' users default to the sections (no default of their own)."""
    import inspect

    from fimrepair.decontaminate import Decontaminator
    from fimrepair.recipe import Recipe

    params = inspect.signature(Decontaminator.__init__).parameters
    assert {k: params[k].default for k in ("threshold", "ngram")} == C.DecontaminationSpec().to_dict()
    recipe = Recipe(name="r", kind="nofim", sentinels="deepseek-coder", seed=1)
    assert recipe.lora == C.LoraSpec() and recipe.train == C.TrainSpec()


# --- the trainer's settings are its own fields ------------------------------------------------

# The training settings that trainer_config adjusts rather than passes as they are.
ADJUSTED = {"gradient_checkpointing", "save_steps", "bf16"}


def test_every_training_setting_is_a_trainer_field_or_the_projects() -> None:
    """A ``training`` key is named like the field of trl's SFTConfig that it sets, or is one of
    the project's own settings (which no SFTConfig field shadows)."""
    from trl import SFTConfig

    from fimrepair.finetune import PROJECT_SETTINGS

    trainer = {f.name for f in dataclasses.fields(SFTConfig)}
    fields = {f.name for f in dataclasses.fields(C.TrainSpec)}
    assert fields - trainer == PROJECT_SETTINGS
    assert PROJECT_SETTINGS & trainer == set()


def test_every_lora_setting_is_a_field_of_peft_lora_config() -> None:
    from peft import LoraConfig

    assert {f.name for f in dataclasses.fields(C.LoraSpec)} <= {f.name for f in dataclasses.fields(LoraConfig)}


def test_the_trainer_gets_each_shared_setting_under_its_own_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every training setting that is an SFTConfig field reaches the trainer's configuration as
    it is (but the adjusted three); one that is neither the trainer's nor the project's is an error."""
    from conftest import small_recipe
    from trl import SFTConfig

    from fimrepair import finetune

    given = {
        "learning_rate": 1e-3,
        "lr_scheduler_type": "linear",
        "warmup_steps": 3,
        "weight_decay": 0.2,
        "max_grad_norm": 0.5,
        "optim": "adamw_torch_fused",
        "num_train_epochs": 3.0,
        "max_steps": 7,
        "logging_steps": 2,
        "eval_steps": 5,
        "save_total_limit": 4,
        "max_length": 128,
    }
    recipe = small_recipe(**given)
    got = finetune.trainer_config(
        SFTConfig, recipe, tmp_path, micro=4, accumulation=2, use_cpu=True, evaluate=True
    ).to_dict()
    shared = {f.name for f in dataclasses.fields(C.TrainSpec)} - finetune.PROJECT_SETTINGS - ADJUSTED
    assert set(given) == shared, "every shared setting is given a non-default value above"
    assert {k: got[k] for k in shared} == given
    monkeypatch.setattr(finetune, "PROJECT_SETTINGS", finetune.PROJECT_SETTINGS - {"eval_rows"})
    with pytest.raises(TypeError, match=r"training settings \['eval_rows'\] are neither fields of SFTConfig"):
        finetune.trainer_config(SFTConfig, recipe, tmp_path, micro=4, accumulation=2, use_cpu=True, evaluate=True)
