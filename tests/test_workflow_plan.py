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
                 "representations_train", "finetune", "generate", "generate_reference", "validate", "analysis", "paper_pdf"):
        assert counts.get(rule, 0) >= 1, rule
    assert counts["finetune"] == 3  # fim, fim_psm, nofim
    assert counts["generate"] == 5 and counts["validate"] == 7  # 5 models + oracle and identity
    blocks = out.split("\nrule ")
    for rule in ("finetune", "generate"):
        mine = [b for b in blocks if b.startswith(f"{rule}:")]
        assert mine and all(re.search(r"\bgpu=1\b", b) and "gpu_model=h100" in b for b in mine), rule


def test_tiny_plan_builds_its_own_inputs():
    counts = job_counts(plan("--cores", "2", "--configfile", "config.tiny.yaml"))
    for rule in ("data_synthetic", "benchmark_tiny", "model_tiny"):
        assert counts[rule] == 1
    assert "model_download" not in counts and "benchmark_download" not in counts
