"""A real end-to-end run of the tiny configuration through Snakemake (minutes on 2 cores)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_workflow, run_workflow

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = copy_workflow(tmp_path_factory.mktemp("tiny-run"))
    return run_workflow(work, "--configfile", "config.tiny.yaml", timeout=1500, what="tiny run")


def test_reference_models_are_the_sanity_check(tiny_run: Path):
    summary = pd.read_csv(tiny_run / "results/analysis/summary.tsv", sep="\t").set_index("model")
    n_bugs = len((tiny_run / "results/benchmark/tiny/bugs.jsonl").read_text().splitlines())
    assert n_bugs >= 8
    assert summary.loc["oracle", "plausible"] == n_bugs and summary.loc["oracle", "exact"] == n_bugs
    assert summary.loc["identity", "plausible"] == 0 and summary.loc["identity", "compilable"] == n_bugs
    assert set(summary.index) == {"base", "repro", "nofim", "fim", "fim_psm", "oracle", "identity"}


def test_every_model_has_ten_candidates_per_bug_with_a_verdict(tiny_run: Path):
    bugs = [
        json.loads(line)["bug_id"] for line in (tiny_run / "results/benchmark/tiny/bugs.jsonl").read_text().splitlines()
    ]
    for model in ("base", "repro", "nofim", "fim", "fim_psm"):
        rows = [
            json.loads(line)
            for line in (tiny_run / f"results/validate/tiny/{model}/verdicts.jsonl").read_text().splitlines()
        ]
        assert sorted({r["bug_id"] for r in rows}) == sorted(bugs)
        assert all(r["model"] == model and r["benchmark"] == "tiny" for r in rows)
        assert len(rows) == 10 * len(bugs)
        assert {r["status"] for r in rows} <= {"plausible", "failing", "uncompilable", "timeout", "crash"}


def test_fine_tuning_lowers_the_loss(tiny_run: Path):
    for recipe in ("fim", "fim_psm", "nofim", "repro"):
        loss = pd.read_csv(tiny_run / f"results/finetune/{recipe}/loss.tsv", sep="\t")
        train = loss[loss["split"] == "train"]["loss"].tolist()
        assert len(train) >= 3 and train[-1] < train[0], (recipe, train)
        assert (tiny_run / f"results/finetune/{recipe}/adapter/adapter_config.json").is_file()


def test_fim_recipe_mixes_psm_spm_and_plain(tiny_run: Path):
    modes = [
        json.loads(line)["mode"]
        for line in (tiny_run / "results/representations/fim/train.jsonl").read_text().splitlines()
    ]
    share = {m: modes.count(m) / len(modes) for m in ("psm", "spm", "plain")}
    assert 0.35 < share["psm"] < 0.55 and 0.35 < share["spm"] < 0.55 and 0.04 < share["plain"] < 0.17
    psm_only = [
        json.loads(line)["mode"]
        for line in (tiny_run / "results/representations/fim_psm/train.jsonl").read_text().splitlines()
    ]
    assert "spm" not in psm_only


def test_paper_inputs_and_pdf(tiny_run: Path):
    generated = tiny_run / "results/paper/generated"
    numbers = (generated / "numbers.tex").read_text()
    assert r"\newcommand{\PlausibleOracle}" in numbers and r"\newcommand{\ConfigName}{tiny}" in numbers
    for name in ("results", "funnel", "pairwise"):
        assert (generated / "tables" / f"{name}.tex").stat().st_size > 100
    for name in ("fixed", "outcomes", "loss"):
        assert (generated / "figures" / f"{name}.pdf").stat().st_size > 1000
    funnel = (generated / "tables" / "funnel.tex").read_text()
    assert "duplicate" in funnel
    if shutil.which("latexmk"):
        assert (tiny_run / "results/paper/main.pdf").read_bytes()[:4] == b"%PDF"
    else:
        assert "NOT built" in (tiny_run / "results/paper/SKIPPED.txt").read_text()


def test_every_rule_logged(tiny_run: Path):
    logs = list((tiny_run / "logs").rglob("*.log"))
    assert len(logs) >= 20
    assert any("pre-training tiny model" in p.read_text() for p in logs)  # tqdm progress reaches the log


def test_the_paper_has_the_published_set_and_per_benchmark_tables(tiny_run: Path):
    published = pd.read_csv(tiny_run / "results/analysis/published.tsv", sep="\t").set_index("system").loc["tinypub"]
    # the self-made set (fimrepair.published.tiny_published_rows): 4 bugs x 3 candidates; its first
    # fix is claimed not to compile, which this harness disproves
    assert (published["claimed_candidates"], published["claimed_plausible"], published["plausible"]) == (12, 3, 4)
    assert (published["agree"], published["dis_their_compile"], published["level_changed"]) == (11, 1, 0)
    generated = tiny_run / "results/paper/generated"
    assert "self-made set" in (generated / "tables/published.tex").read_text()
    section = (generated / "benchmarks.tex").read_text()
    assert r"\input{generated/benchmarks/tiny/results.tex}" in section
    table = (generated / "benchmarks/tiny/results.tex").read_text()
    assert "tinypub" in table and "oracle" in table
    assert (generated / "benchmarks/tiny/fixed.pdf").is_file()


def test_a_bundle_reproduces_verdicts_and_tables_in_a_fresh_directory(tiny_run: Path, tmp_path: Path):
    run_workflow(tiny_run, "bundle", "--configfile", "config.tiny.yaml", timeout=600, what="snakemake bundle")
    bundle = tiny_run / "results/bundle/bundle.tar.gz"
    fresh = copy_workflow(tmp_path / "fresh")
    run_workflow(
        fresh,
        "--configfile",
        "config.tiny.yaml",
        "config.reproduce.yaml",
        "--config",
        f"reproduce={{bundle: {bundle}}}",
        timeout=1200,
        what="the run reproduced from the bundle",
    )
    assert not (fresh / "results/finetune").exists() and not (fresh / "resources/models").exists()  # nothing trained
    verdicts = sorted(p.relative_to(tiny_run) for p in (tiny_run / "results/validate").rglob("verdicts*.jsonl"))
    assert len(verdicts) == 9  # 5 models + oracle + identity + the published set at two Java levels
    for rel in verdicts:  # byte for byte: the measured times are in timings.tsv beside them
        assert (fresh / rel).read_bytes() == (tiny_run / rel).read_bytes(), rel
        assert (
            (fresh / rel)
            .with_name((fresh / rel).name.replace("verdicts", "timings").replace(".jsonl", ".tsv"))
            .is_file()
        )
    tables = sorted(
        p.relative_to(tiny_run)
        for p in [
            *(tiny_run / "results/analysis").rglob("*.tsv"),
            *(tiny_run / "results/paper/generated").rglob("*.tex"),
        ]
    )
    assert len(tables) >= 12
    for rel in tables:
        assert (fresh / rel).read_bytes() == (tiny_run / rel).read_bytes(), rel
    if (tiny_run / "results/paper/main.pdf").is_file():
        assert (fresh / "results/paper/main.pdf").read_bytes() == (tiny_run / "results/paper/main.pdf").read_bytes()


def test_gpu_stages_keep_checkpoints_and_refuse_the_cpu_unless_configured(tiny_run: Path):
    """LAST in this module: it reruns (and fails) a fine-tune in the finished run."""
    for recipe in ("nofim", "fim", "fim_psm"):
        kept = sorted(p.name for p in (tiny_run / "results/checkpoints" / recipe).glob("checkpoint-*"))
        assert kept == ["checkpoint-30", "checkpoint-40"], (recipe, kept)  # save_steps 10, last two of 40 steps
    assert not list((tiny_run / "results/generate").rglob("*.partial"))
    train_log = (tiny_run / "logs/finetune/nofim/train.log").read_text()
    assert "running on the CPU on purpose (compute.allow_cpu is true)" in train_log and "torch " in train_log

    gpu_only = tiny_run / "gpu-only.yaml"
    gpu_only.write_text("compute:\n  allow_cpu: false\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "1",
            "--configfile",
            "config.tiny.yaml",
            str(gpu_only),
            "--forcerun",
            "finetune",
            "--",
            "results/finetune/nofim/adapter",
        ],
        cwd=tiny_run,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    refused = (tiny_run / "logs/finetune/nofim/train.log").read_text()
    assert "finetune nofim: CUDA is not usable" in refused and "compute.allow_cpu: true" in refused
    assert "RESUMING" not in refused and "training from step 0" not in refused  # stopped before training
