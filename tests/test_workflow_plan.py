"""The paper configuration plans every stage, with GPU resources for the GPU rules."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO


def plan(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--forceall", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def job_counts(out: str) -> dict[str, int]:
    table = out[out.index("job ") :].split("\n\n")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_paper_plan_on_slurm_has_every_stage_and_gpu_requests():
    out = plan("--cores", "all", "--profile", "slurm")
    counts = job_counts(out)
    for rule in (
        "data_prepare",
        "benchmark_download",
        "benchmark_bugs",
        "model_download",
        "adapter_download",
        "training_pairs",
        "finetune",
        "generate",
        "generate_reference",
        "validate",
        "analysis",
        "paper_pdf",
        "published_download",
        "published_candidates",
        "validate_jdk",
        "published_analysis",
        "analysis_benchmark",
        "paper_benchmarks",
    ):
        assert counts.get(rule, 0) >= 1, rule
    assert counts["finetune"] == 4 * 3  # fim, fim_psm, nofim and the reproduction arm, 3 seeds each
    assert counts["training_pairs"] == 1  # one job: every recipe on the same matched rows
    # both benchmarks (HumanEval-Java, QuixBugs): 6 models each, the 4 fine-tuned ones once per
    # seed (14 runs), + oracle and identity each, + RepairLLaMA's three published HumanEval-Java
    # sets (again at the JDK's own Java level)
    assert counts["benchmark_download"] == counts["benchmark_bugs"] == counts["analysis_benchmark"] == 2
    assert counts["generate"] == 2 * 14 and counts["validate"] == 2 * 16 + 3
    assert counts["published_download"] == counts["published_candidates"] == counts["validate_jdk"] == 3
    for path in (
        "results/validate/quixbugs/fim/seed43/verdicts.jsonl",
        "results/validate/quixbugs/base/verdicts.jsonl",
        "results/finetune/nofim/seed44/adapter",
        "results/validate/humaneval-java/repairllama_deepseek_lora/verdicts.jdk.jsonl",
        "results/analysis/quixbugs/summary.tsv",
        "results/analysis/published.tsv",
    ):
        assert path in out, path
    assert "resources/published/repairllama_deepseek_base.jsonl" in out
    assert "rule finetune:" in out and "wildcards: recipe=repro/seed42" in out
    blocks = out.split("\nrule ")
    for rule in ("finetune", "generate"):
        mine = [b for b in blocks if b.startswith(f"{rule}:")]
        assert mine and all(re.search(r"\bgpu=1\b", b) and "gpu_model=h100" in b for b in mine), rule


def test_tiny_plan_builds_its_own_inputs():
    counts = job_counts(plan("--cores", "2", "--configfile", "config.tiny.yaml"))
    for rule in ("data_synthetic", "benchmark_tiny", "model_tiny", "published_tiny", "analysis_benchmark"):
        assert counts[rule] == 1
    assert "model_download" not in counts and "benchmark_download" not in counts and "published_download" not in counts


def test_a_bundle_run_plans_no_training_and_no_generation(tmp_path):
    bundle = tmp_path / "bundle.tar.gz"
    bundle.write_bytes(b"")  # planning only
    counts = job_counts(
        plan(
            "--cores",
            "2",
            "--configfile",
            "config.tiny.yaml",
            "config.reproduce.yaml",
            "--config",
            f"reproduce={{bundle: {bundle}}}",
        )
    )
    assert counts["bundle_unpack"] == 1 and counts["generate_from_bundle"] == 5 and counts["validate"] == 8
    for rule in ("finetune", "generate", "model_tiny", "training_pairs", "data_prepare", "bundle_make"):
        assert rule not in counts, rule


def test_smoke_plan_is_the_paper_plan_with_a_scratch_model_and_the_seed_adapter_skipped():
    from conftest import HUMANEVAL

    if not (HUMANEVAL / "src").is_dir():
        import pytest

        pytest.skip(f"../shared is absent ({HUMANEVAL}); the paper-shaped configuration reads it")
    counts = job_counts(plan("--cores", "2", "--configfile", "config.smoke.yaml"))
    assert counts["model_scratch"] == 1 and counts["finetune"] == 4 and counts["generate"] == 5  # HumanEval-Java only
    assert counts["benchmark_bugs"] == 1 and "published_candidates" not in counts
    assert counts["generate_skipped"] == 1  # seed_recipe: planned, skipped with its reason
    assert "model_download" not in counts and "adapter_download" not in counts and "benchmark_download" not in counts
