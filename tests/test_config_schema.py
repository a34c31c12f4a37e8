"""The schema and the code agree: every enumeration the schema allows is what the code
implements, and the validators' default limits are the workflow's. (The typed sections'
defaults are compared with the schema in tests/test_settings.py.)

An enum value that the code does not know (or the schema does not allow) fails here, naming it."""

from __future__ import annotations

from pathlib import Path

import yaml

from fimrepair import config as C

REPO = Path(__file__).resolve().parents[1]


def test_the_package_reads_the_workflows_schema() -> None:
    """The package resource is the workflow's schema file (one file, not a copy)."""
    from importlib import resources

    packaged = resources.files("fimrepair").joinpath("data", C.SCHEMA_RESOURCE).read_text(encoding="utf-8")
    assert packaged == (REPO / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8")


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


def test_the_validators_default_limits_are_the_workflows() -> None:
    import inspect

    from fimrepair.cli import build_parser
    from fimrepair.validate import Engine, FreshValidator

    want = C.schema_node("validation")["properties"]
    for cls in (Engine, FreshValidator):
        params = inspect.signature(cls.__init__).parameters
        for key in ("per_candidate_timeout_s", "compile_grace_s"):
            assert params[key].default == want[key]["default"], (cls, key)
    args = build_parser().parse_args(
        ["validate", "--candidates", "c", "--bugs", "b", "--benchmark-root", "r", "--out", "o"]
    )
    assert args.per_candidate_timeout == want["per_candidate_timeout_s"]["default"]
