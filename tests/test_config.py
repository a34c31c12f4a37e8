"""The configuration: schema defaults, cross-key checks, and clear errors at start-up."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fimrepair.config import ConfigError, check

REPO = Path(__file__).resolve().parents[1]


def validated(*files: str) -> dict:
    from snakemake.utils import update_config, validate

    config: dict = {}
    for f in files:
        update_config(config, yaml.safe_load((REPO / f).read_text()))
    validate(config, str(REPO / "workflow/schemas/config.schema.yaml"))
    return config


def test_paper_config_is_valid_and_complete():
    config = validated("config.yaml")
    assert config["base_model"]["hub_id"] == "deepseek-ai/deepseek-coder-6.7b-base"
    assert config["benchmark"]["commit"] == "c01484f754b0b0fd4869b0f923f0d55d39ebd861"
    assert config["recipes"]["fim"] == {"kind": "fim", "fim_rate": 0.9, "spm_rate": 0.5}
    assert config["recipes"]["fim_psm"]["spm_rate"] == 0.0
    assert (config["lora"]["r"], config["lora"]["lora_alpha"], config["lora"]["lora_dropout"]) == (8, 16, 0.05)
    assert config["generation"] == {"num_beams": 10, "num_return_sequences": 10, "max_new_tokens": 256, "batch_size": 4}
    assert config["compute"]["allow_cpu"] is False  # the GPU rules refuse the CPU
    warnings = check(config)
    assert any("base_model.revision" in w for w in warnings)  # unpinned revisions are flagged


def test_tiny_config_merges_over_the_paper_config():
    config = validated("config.yaml", "config.tiny.yaml")
    assert config["base_model"]["source"] == "tiny" and config["data"]["source"] == "synthetic"
    assert config["recipes"]["fim"]["fim_rate"] == 0.9  # inherited
    assert "seed_recipe" not in config["evaluate"]
    assert config["compute"]["allow_cpu"] is True  # the tiny run is on the CPU on purpose
    assert check(config) == []


def test_schema_fills_defaults():
    from snakemake.utils import validate

    config: dict = {"recipes": {"x": {"kind": "fim"}}, "models": {}}
    validate(config, str(REPO / "workflow/schemas/config.schema.yaml"))
    assert config["training"]["max_length"] == 1024
    assert config["recipes"]["x"]["fim_rate"] == 0.9


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["train"].append("nope"), "train: recipe 'nope'"),
        (lambda c: c["evaluate"].append("ghost"), "evaluate: model 'ghost'"),
        (lambda c: c["generation"].update(num_return_sequences=20), "generation.num_return_sequences"),
        (
            lambda c: c["benchmark"].update(source="local", root="/does/not/exist"),
            "benchmark.root: /does/not/exist does not exist",
        ),
    ],
)
def test_cross_key_errors_name_the_key(edit, message):
    config = copy.deepcopy(validated("config.yaml", "config.tiny.yaml"))
    edit(config)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        check(config)


def dry_run(tmp_path: Path, override: dict) -> subprocess.CompletedProcess[str]:
    extra = tmp_path / "override.yaml"
    extra.write_text(yaml.safe_dump(override))
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", "config.tiny.yaml", str(extra)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_value_stops_the_run_naming_the_key(tmp_path):
    result = dry_run(tmp_path, {"recipes": {"fim": {"kind": "fim", "fim_rate": 1.5}}})
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "fim_rate" in out and "1.5" in out


def test_missing_benchmark_root_stops_the_run(tmp_path):
    result = dry_run(tmp_path, {"benchmark": {"source": "local", "root": str(tmp_path / "absent")}})
    assert result.returncode != 0
    assert f"benchmark.root: {tmp_path / 'absent'} does not exist" in result.stdout + result.stderr


def test_paper_config_evaluates_both_benchmarks_and_the_published_sets():
    from fimrepair.config import benchmark_specs

    config = validated("config.yaml")
    specs = benchmark_specs(config)
    assert list(specs) == ["humaneval-java", "quixbugs"]
    assert (
        specs["quixbugs"]["kind"] == "quixbugs"
        and specs["quixbugs"]["commit"] == "4257f44b0ff1181dedaedee6a447e133219fcebf"
    )
    assert all(s["java_level"] == "declared" for s in specs.values())
    urls = [p["url"] for p in config["published"]]
    assert [u.rsplit("/", 1)[-1] for u in urls] == [
        f"evaluation_humanevaljava_{n}_martin.jsonl" for n in ("repairllama_ir4_or2", "deepseek_base", "deepseek_lora")
    ]
    assert all("ASSERT-KTH/repairllama/a4a5734ed7f80ba41900638b001962ffc79e30a0/results/3_martin/" in u for u in urls)
    tiny = validated("config.yaml", "config.tiny.yaml")
    assert list(benchmark_specs(tiny)) == ["tiny"] and [p["source"] for p in tiny["published"]] == ["tiny"]


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda c: c["published"].append(dict(c["published"][0])), "already a model or published set name"),
        (lambda c: c["published"][0].update(benchmark="defects4j"), "not an evaluated benchmark"),
        (lambda c: c["published"][0].update(url=None), r"published\[0\].url: required"),
        (lambda c: c["extra_benchmarks"].append(dict(c["extra_benchmarks"][0])), "names must be distinct"),
        (lambda c: c["extra_benchmarks"][0].update(source="local", root="/no/such/dir"), r"extra_benchmarks\[0\].root"),
    ],
)
def test_benchmark_and_published_cross_checks(change, match):
    config = validated("config.yaml")
    change(config)
    with pytest.raises(ConfigError, match=match):
        check(config)
