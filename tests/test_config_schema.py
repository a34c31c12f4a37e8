"""The schema and the code agree: every default is written once (in the schema; the typed
specs take theirs from it) and every enumeration the schema allows is what the code implements.

A default re-typed as a literal in a dataclass, a schema key without its field (or a field
without its key), or an enum value that the code does not know (or the schema does not
allow) fails here, naming it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from fimrepair import config as C

REPO = Path(__file__).resolve().parents[1]


def _specs():
    from fimrepair.decontaminate import DEFAULTS as DECONTAMINATION
    from fimrepair.generate import DecodingSpec
    from fimrepair.recipe import LoraSpec, TrainSpec
    from fimrepair.tinymodel import TinyModelSpec

    # (the code's defaults by name, the schema path, fields that are code-only on purpose)
    return {
        "training": ({f.name: f.default for f in dataclasses.fields(TrainSpec)}, ("training",), set()),
        "lora": ({f.name: f.default for f in dataclasses.fields(LoraSpec)}, ("lora",), set()),
        "generation": ({f.name: f.default for f in dataclasses.fields(DecodingSpec)}, ("generation",), set()),
        "base_model.tiny": (
            {f.name: f.default for f in dataclasses.fields(TinyModelSpec)},
            ("base_model", "tiny"),
            {"max_position_embeddings"},
        ),
        "data.decontamination": (dict(DECONTAMINATION), ("data", "decontamination"), set()),
    }


def test_the_package_reads_the_workflows_schema() -> None:
    """The package resource is the workflow's schema file (one file, not a copy)."""
    from importlib import resources

    packaged = resources.files("fimrepair").joinpath("data", C.SCHEMA_RESOURCE).read_text(encoding="utf-8")
    assert packaged == (REPO / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8")


# Schema keys that are not fields of the section's dataclass on purpose: training.seeds lists the
# runs of a recipe, each of which is a Recipe with one `seed` (fimrepair.steps.recipe drops it).
SCHEMA_ONLY = {"training": {"seeds"}}


@pytest.mark.parametrize("section", sorted(_specs()))
def test_code_defaults_are_the_schema_defaults(section: str) -> None:
    code, path, code_only = _specs()[section]
    schema_only = SCHEMA_ONLY.get(section, set())
    schema = {k: v for k, v in C.schema_defaults(*path).items() if k not in schema_only}
    keys = set(C.schema_node(*path)["properties"]) - schema_only
    assert set(code) - code_only == keys, (
        f"{section}: fields {sorted(set(code) - code_only - keys)} lack a schema key; keys {sorted(keys - set(code))} lack a field"
    )
    assert set(schema) == keys, f"{section}: schema keys without a default: {sorted(keys - set(schema))}"
    for name, default in schema.items():
        value = code[name]
        assert (list(value) if isinstance(value, tuple) else value) == default, (section, name, value, default)


def test_every_schema_property_has_a_description_and_mapping_keys_a_default() -> None:
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())

    def walk(node: dict, where: str) -> None:
        for name, spec in node.get("properties", {}).items():
            assert "description" in spec, f"{where}{name}: no description"
            walk(spec, f"{where}{name}.")
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{where}*.")

    walk(schema, "")


def test_enumerations_agree() -> None:
    from fimrepair.benchmarks import kinds
    from fimrepair.fim import SENTINELS
    from fimrepair.prompts import PROMPT_STYLES, RECIPE_KINDS
    from fimrepair.recipe import BACKENDS

    assert set(C.schema_enum("models", "*", "prompt")) == set(PROMPT_STYLES)
    assert set(C.schema_enum("recipes", "*", "kind")) == set(RECIPE_KINDS)
    assert set(C.schema_enum("training", "backend")) == set(BACKENDS)
    assert set(C.schema_enum("base_model", "sentinels")) == set(SENTINELS)
    assert set(C.schema_enum("benchmark", "kind")) == set(kinds())
    assert set(C.schema_node("models")["propertyNames"]["not"]["enum"]) == set(C.REFERENCE_MODELS)


def test_a_disagreement_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself bites: a schema default changed under the code fails it."""
    node = C.schema_node("training", "backend")
    monkeypatch.setitem(node, "default", "unsloth")
    with pytest.raises(AssertionError, match="backend"):
        test_code_defaults_are_the_schema_defaults("training")


def test_the_validators_default_limit_is_the_workflows() -> None:
    import inspect

    from fimrepair.cli import build_parser
    from fimrepair.validate import Engine, FreshValidator

    want = C.schema_defaults("validation")["per_candidate_timeout_s"]
    for cls in (Engine, FreshValidator):
        assert inspect.signature(cls.__init__).parameters["per_candidate_timeout_s"].default == want, cls
    args = build_parser().parse_args(
        ["validate", "--candidates", "c", "--bugs", "b", "--benchmark-root", "r", "--out", "o"]
    )
    assert args.per_candidate_timeout == want
