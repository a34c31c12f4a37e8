"""A real end-to-end run of the tiny configuration through Snakemake (minutes on 2 cores)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, java_available

pytestmark = pytest.mark.e2e

COPY = ["Snakefile", "config.yaml", "config.tiny.yaml", "workflow", "envs", "paper", "slurm"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not java_available():
        pytest.skip("javac or /usr/share/java/junit4.jar is missing: the validate stage needs Java 17 and JUnit 4")
    work = tmp_path_factory.mktemp("tiny-run")
    for name in COPY:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, work / name)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "config.tiny.yaml"],
        cwd=work, capture_output=True, text=True, timeout=1500,
    )
    if result.returncode != 0:
        pytest.fail(f"tiny run failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return work


def test_reference_models_are_the_sanity_check(tiny_run: Path):
    summary = pd.read_csv(tiny_run / "results/analysis/summary.tsv", sep="\t").set_index("model")
    n_bugs = len((tiny_run / "results/benchmark/bugs.jsonl").read_text().splitlines())
    assert n_bugs >= 8
    assert summary.loc["oracle", "plausible"] == n_bugs and summary.loc["oracle", "exact"] == n_bugs
    assert summary.loc["identity", "plausible"] == 0 and summary.loc["identity", "compilable"] == n_bugs
    assert set(summary.index) == {"base", "repro", "nofim", "fim", "fim_psm", "oracle", "identity"}


def test_every_model_has_ten_candidates_per_bug_with_a_verdict(tiny_run: Path):
    bugs = [json.loads(line)["bug_id"] for line in (tiny_run / "results/benchmark/bugs.jsonl").read_text().splitlines()]
    for model in ("base", "repro", "nofim", "fim", "fim_psm"):
        rows = [json.loads(line) for line in (tiny_run / f"results/validate/{model}/verdicts.jsonl").read_text().splitlines()]
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
    modes = [json.loads(line)["mode"] for line in (tiny_run / "results/representations/fim/train.jsonl").read_text().splitlines()]
    share = {m: modes.count(m) / len(modes) for m in ("psm", "spm", "plain")}
    assert 0.35 < share["psm"] < 0.55 and 0.35 < share["spm"] < 0.55 and 0.04 < share["plain"] < 0.17
    psm_only = [json.loads(line)["mode"] for line in (tiny_run / "results/representations/fim_psm/train.jsonl").read_text().splitlines()]
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
        [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "config.tiny.yaml", str(gpu_only), "--forcerun", "finetune", "--", "results/finetune/nofim/adapter"],
        cwd=tiny_run, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode != 0
    refused = (tiny_run / "logs/finetune/nofim/train.log").read_text()
    assert "finetune nofim: CUDA is not usable" in refused and "compute.allow_cpu: true" in refused
    assert "RESUMING" not in refused and "training from step 0" not in refused  # stopped before training
