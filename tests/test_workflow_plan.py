"""The paper configuration plans every stage, with GPU resources for the GPU rules."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO


def plan(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def job_counts(out: str) -> dict[str, int]:
    table = out[out.index("job ") :].split("\n\n")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_paper_plan_on_slurm_has_every_stage_and_gpu_requests():
    out = plan("--cores", "all", "--profile", "slurm")
    counts = job_counts(out)
    for rule in ("data_prepare", "benchmark_download", "benchmark_bugs", "model_download", "adapter_download",
                 "training_pairs", "finetune", "generate", "generate_reference", "validate", "analysis", "paper_pdf"):
        assert counts.get(rule, 0) >= 1, rule
    assert counts["finetune"] == 4  # fim, fim_psm, nofim and the reproduction arm
    assert counts["training_pairs"] == 1  # one job: every recipe on the same matched rows
    assert counts["generate"] == 6 and counts["validate"] == 8  # 6 models + oracle and identity
    assert "rule finetune:" in out and "wildcards: recipe=repro" in out
    blocks = out.split("\nrule ")
    for rule in ("finetune", "generate"):
        mine = [b for b in blocks if b.startswith(f"{rule}:")]
        assert mine and all(re.search(r"\bgpu=1\b", b) and "gpu_model=h100" in b for b in mine), rule


def test_tiny_plan_builds_its_own_inputs():
    counts = job_counts(plan("--cores", "2", "--configfile", "config.tiny.yaml"))
    for rule in ("data_synthetic", "benchmark_tiny", "model_tiny"):
        assert counts[rule] == 1
    assert "model_download" not in counts and "benchmark_download" not in counts


def test_smoke_plan_is_the_paper_plan_with_a_scratch_model_and_the_seed_adapter_skipped():
    from conftest import HUMANEVAL

    if not (HUMANEVAL / "src").is_dir():
        import pytest

        pytest.skip(f"../shared is absent ({HUMANEVAL}); the paper-shaped configuration reads it")
    counts = job_counts(plan("--cores", "2", "--configfile", "config.smoke.yaml"))
    assert counts["model_scratch"] == 1 and counts["finetune"] == 4 and counts["generate"] == 5
    assert counts["generate_skipped"] == 1  # seed_recipe: planned, skipped with its reason
    assert "model_download" not in counts and "adapter_download" not in counts and "benchmark_download" not in counts
