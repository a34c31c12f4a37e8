"""The paper configuration plans every stage, with GPU resources for the GPU rules; the DAG flows
forward (a training setting reruns fine-tuning and what follows it, nothing before)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, copy_workflow


def snakemake(*args: str, cwd: Path = REPO) -> str:
    """Snakemake's output (the run must succeed) for ``args``, run in ``cwd``."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def plan(*args: str) -> str:
    return snakemake("-n", "--forceall", *args)


def job_counts(out: str) -> dict[str, int]:
    """Rule -> jobs of a dry run's job table (empty when there is nothing to be done)."""
    if not re.search(r"^job\s+count$", out, re.M):
        return {}
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
        pytest.skip(f"../shared is absent ({HUMANEVAL}); the paper-shaped configuration reads it")
    counts = job_counts(plan("--cores", "2", "--configfile", "config.smoke.yaml"))
    assert counts["model_scratch"] == 1 and counts["finetune"] == 4 and counts["generate"] == 5  # HumanEval-Java only
    assert counts["benchmark_bugs"] == 1 and "published_candidates" not in counts
    assert counts["generate_skipped"] == 1  # seed_recipe: planned, skipped with its reason
    assert "model_download" not in counts and "adapter_download" not in counts and "benchmark_download" not in counts


# --- the DAG flows forward ---------------------------------------------------------------------
# On a copy of the workflow every output of the tiny configuration is made (empty) and recorded
# by Snakemake (``--touch --forceall``, which writes every job's metadata: its params, code,
# inputs), so Snakemake knows the finished state; then it plans (a dry run, default rerun triggers,
# params among them) after an overlay configuration changes one setting.

#: Rules upstream of fine-tuning: the data, the benchmark, the base model, the representations.
BEFORE_FINETUNING = {
    "data_synthetic",
    "data_prepare",
    "benchmark_tiny",
    "benchmark_bugs",
    "model_tiny",
    "model_facts",
    "training_pairs",
    "published_tiny",
    "generate_reference",
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workflow whose tiny run Snakemake takes as finished: every output exists
    (empty; a folder where the name has no suffix: the models, the benchmark, the adapters)
    and every job's metadata is recorded."""
    work = copy_workflow(tmp_path_factory.mktemp("dag"))
    dry_run = snakemake("-n", "--forceall", "--cores", "1", "--configfile", "config.tiny.yaml", cwd=work)
    outputs = {p.strip() for line in re.findall(r"^\s+output: (.*)$", dry_run, re.M) for p in line.split(",")}
    assert "results/representations/matched.tsv" in outputs and "results/finetune/fim/adapter" in outputs
    for name in sorted(outputs):
        path = work / name
        if "." in Path(name).name:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        else:
            path.mkdir(parents=True, exist_ok=True)
    snakemake("--touch", "--forceall", "--cores", "1", "--configfile", "config.tiny.yaml", cwd=work)  # + metadata
    assert job_counts(snakemake("-n", "--cores", "1", "--configfile", "config.tiny.yaml", cwd=work)) == {}, (
        "the touched run is not finished"
    )
    return work


def plan_with(work: Path, name: str, overlay: str) -> dict[str, int]:
    (work / f"{name}.yaml").write_text(overlay)
    return job_counts(snakemake("-n", "--cores", "1", "--configfile", "config.tiny.yaml", f"{name}.yaml", cwd=work))


def test_the_learning_rate_reruns_fine_tuning_and_what_follows_only(finished: Path) -> None:
    jobs = plan_with(finished, "lr", "training:\n  learning_rate: 1.0e-3\n")
    assert jobs.get("recipe") == 4 and jobs.get("finetune") == 4, jobs  # fim, fim_psm, nofim, repro
    assert jobs.get("generate") == 4 and "analysis" in jobs, jobs  # and what follows
    assert not BEFORE_FINETUNING & set(jobs), f"a training setting reruns {sorted(BEFORE_FINETUNING & set(jobs))}"


@pytest.mark.parametrize(
    "overlay",
    [
        "recipes:\n  fim:\n    kind: fim\n    fim_rate: 0.5\n",  # a recipe's layout
        "training:\n  max_length: 384\n",  # the length filter
    ],
)
def test_a_representation_setting_rebuilds_the_training_pairs(finished: Path, overlay: str) -> None:
    jobs = plan_with(finished, "rep", overlay)
    assert jobs.get("training_pairs") == 1 and jobs.get("finetune") == 4, jobs
    assert not {"data_prepare", "model_tiny", "model_facts", "benchmark_bugs"} & set(jobs), jobs
