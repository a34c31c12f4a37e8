"""The Slurm profile against a real Slurm: a one-node cluster on this machine (tests/slurm_cluster.py).

* the tiny configuration runs end to end through ``--profile`` (slurm/config.yaml rendered
  with test-only overrides), GPU rules are submitted with GPU requests and allocated the fake
  H100s, CPU rules are not, and the outputs equal those of a local run;
* a job that fails under Slurm fails the run with the rule's log path in the message, and a
  rerun after the cause is fixed resumes without redoing finished jobs;
* every daemon started is stopped by pid, and none is left.

Needs root and Debian's munge, slurmctld, slurmd and slurm-client (.ci/run installs them);
skipped with the reason otherwise. About 10 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, java_available
from slurm_cluster import SlurmCluster, unavailable_reason

pytestmark = pytest.mark.slurm

GPU_RULES = {"finetune", "generate"}
RUN_TIMEOUT_S = 1500
# This module tests the Slurm plumbing (jobs, resources, logs, a result equal to a local run's),
# not what the models learn (test_workflow_e2e.py does), so both of its tiny runs shorten the
# training with this overlay: two concurrent full tiny runs need about 1,500 s of CPU on 2 cores.
SHORTER = {
    "base_model": {"tiny": {"copy_warmup_steps": 100, "pretrain_steps": 60}},
    "training": {"max_steps": 40, "save_steps": 20},
}
SHORTER_FILE = "config.slurm-test.yaml"
TIMINGS: dict[str, float] = {}

# Test-only overrides of slurm/config.yaml. The test cluster has no accounting database, so
# status queries go through squeue (the cluster keeps finished jobs for MinJobAge=3600 s);
# polling starts after 1 s instead of 40; outputs are on a local disk (no latency); two jobs
# at a time on 2 cores; Slurm logs of successful jobs are kept for inspection. Threads (and
# the CPUs requested) are the rules' own, as in the local run, so that torch computes the same
# numbers; memory, runtime and GPU requests stay those of the real profile (the node
# advertises 16 CPUs, 256 GB and 4 H100s through SlurmdParameters=config_overrides).
OVERRIDES = {
    "slurm-status-command": "squeue",
    "slurm-init-seconds-before-status-checks": 1,
    "latency-wait": 5,
    "jobs": 2,
    "local-cores": 2,
    "slurm-keep-successful-logs": True,
}
LOCAL_THREADS = {"validate": 2}  # the rules' `threads:` (1 where not given)


# ---- the cluster and the workflow copies ------------------------------------------------------
@pytest.fixture(scope="module")
def cluster():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    t0 = time.monotonic()
    c = SlurmCluster.start()
    TIMINGS["cluster start"] = time.monotonic() - t0

    def stop_then_terminate(signum, frame):  # a killed test run (e.g. `timeout`) stops the cluster too
        c.stop()
        signal.signal(signal.SIGTERM, previous)
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop_then_terminate)
    try:
        yield c
    finally:
        signal.signal(signal.SIGTERM, previous)
        c.stop()
        leftovers = c.running()
        shutil.rmtree(c.root, ignore_errors=True)
        assert not leftovers, f"Slurm test daemons still running: {leftovers}"
        _print_timings()


def _print_timings() -> None:
    if TIMINGS:
        print("\nSlurm test timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in TIMINGS.items()), file=sys.stderr)


def render_profile(env: dict[str, str]) -> dict:
    """slurm/config.yaml as Snakemake reads it (YTE template evaluated with ``env``)."""
    import yte

    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        with open(REPO / "slurm" / "config.yaml") as f:
            return yte.process_yaml(f, require_use_yte=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def write_test_profile(work: Path, cluster: SlurmCluster) -> Path:
    """<work>/slurm-test/config.yaml: the real profile, the partition given the documented way
    (FIMREPAIR_SLURM_PARTITION), plus OVERRIDES."""
    profile = render_profile({**cluster.env, "FIMREPAIR_SLURM_PARTITION": cluster.partition})
    profile.update(OVERRIDES)
    threads = {rule: LOCAL_THREADS.get(rule, 1) for rule in profile.get("set-threads", {})}
    profile["set-threads"] = threads
    profile["default-resources"]["cpus_per_task"] = 1
    for rule, res in profile["set-resources"].items():
        res["cpus_per_task"] = LOCAL_THREADS.get(rule, 1)
    folder = work / "slurm-test"
    folder.mkdir()
    (folder / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


def snakemake(
    work: Path,
    args: list[str],
    env: dict[str, str],
    timeout: int = RUN_TIMEOUT_S,
    configfiles: tuple[str, ...] = ("config.tiny.yaml",),
) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--configfile", *configfiles, *args]
    try:
        return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:  # SIGKILLed; the cluster fixture cancels its jobs
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        pytest.fail(f"snakemake {' '.join(args)} timed out after {timeout} s\n{out[-3000:]}\n{err[-5000:]}")


def slurm_jobs_of(cluster: SlurmCluster, work: Path) -> list[dict[str, str]]:
    """The cluster's jobs submitted from ``work``, with their rule parsed from the comment."""
    jobs = []
    for job in cluster.jobs():
        if job.get("WorkDir") != str(work):
            continue
        m = re.match(r"rule_(?P<rule>[A-Za-z0-9_]+?)(?:_wildcards_(?P<wc>.*))?$", job.get("Comment", ""))
        job["rule"] = m.group("rule") if m else ""
        job["wildcards"] = (m.group("wc") or "") if m else ""
        jobs.append(job)
    return jobs


# ---- the tiny configuration through Slurm, and a local run to compare with --------------------
@pytest.fixture(scope="module")
def runs(cluster: SlurmCluster, tmp_path_factory: pytest.TempPathFactory):
    """The tiny configuration through Slurm and, at the same time, locally in another copy
    (the local run's computing overlaps the Slurm run's queueing and polling). Same threads per
    rule in both. Returns (slurm work dir, its snakemake output, its Slurm jobs, local work dir)."""
    if not java_available():
        pytest.skip("javac or /usr/share/java/junit4.jar is missing: the validate stage needs Java 17 and JUnit 4")
    slurm_dir = copy_workflow(tmp_path_factory.mktemp("slurm-run"))
    local_dir = copy_workflow(tmp_path_factory.mktemp("local-run"))
    profile = write_test_profile(slurm_dir, cluster)
    configfiles = ("config.tiny.yaml", SHORTER_FILE)
    for work in (slurm_dir, local_dir):
        (work / SHORTER_FILE).write_text(yaml.safe_dump(SHORTER))
    t0, wall0 = time.monotonic(), time.time()
    # cluster.env for the local run too: with slurm-client installed, snakemake probes Slurm,
    # and a live controller answers at once. The run itself is local (no executor given).
    local = start_snakemake(local_dir, ["--cores", "2", "--configfile", *configfiles], cluster.env)
    try:
        result = snakemake(slurm_dir, ["--cores", "2", "--profile", str(profile)], cluster.env, configfiles=configfiles)
        TIMINGS["tiny config through Slurm"] = time.monotonic() - t0
        local_rc = local.wait(timeout=max(60, RUN_TIMEOUT_S - (time.monotonic() - t0)))
        # its last output line is written as it ends
        TIMINGS["local run (concurrent)"] = (local_dir / "snakemake.err").stat().st_mtime - wall0
    finally:
        if local.poll() is None:
            local.kill()
            local.wait()
    if result.returncode != 0:
        pytest.fail(
            f"tiny run through Slurm failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}\n{cluster.logs()}"
        )
    if local_rc != 0:
        pytest.fail(f"local tiny run failed:\n{(local_dir / 'snakemake.err').read_text()[-6000:]}")
    return slurm_dir, result, slurm_jobs_of(cluster, slurm_dir), local_dir


def start_snakemake(work: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    out = open(work / "snakemake.err", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "snakemake", *args], cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT
    )
    out.close()
    return proc


@pytest.fixture(scope="module")
def slurm_run(runs):
    return runs[:3]


@pytest.fixture(scope="module")
def local_run(runs):
    return runs[3]


def test_tiny_configuration_completes_through_slurm(slurm_run):
    work, result, jobs = slurm_run
    assert (work / "results/analysis/summary.tsv").is_file()
    assert (work / "results/paper/main.pdf").is_file() or (work / "results/paper/SKIPPED.txt").is_file()
    rules = {j["rule"] for j in jobs}
    # every non-local rule of the tiny run went through sbatch and completed
    assert {"data_prepare", "model_tiny", "training_pairs", "finetune", "generate", "validate", "analysis"} <= rules, (
        rules
    )
    assert all(j["JobState"] == "COMPLETED" for j in jobs), [(j["JobId"], j["rule"], j["JobState"]) for j in jobs]
    # local rules (Snakefile `localrules:`) never became Slurm jobs
    assert not rules & {
        "all",
        "data_synthetic",
        "benchmark_tiny",
        "benchmark_bugs",
        "recipe",
        "model_facts",
        "generate_reference",
        "published_tiny",
        "published_candidates",
    }
    assert len([j for j in jobs if j["rule"] == "finetune"]) == 4  # fim, fim_psm, nofim, repro
    assert len([j for j in jobs if j["rule"] == "generate"]) == 5
    assert (
        len([j for j in jobs if j["rule"] == "validate"]) == 8
    )  # 5 models, oracle, identity, the self-made published set
    assert len([j for j in jobs if j["rule"] == "validate_jdk"]) == 1
    assert "submitted with SLURM jobid" in result.stderr


def test_gpu_rules_requested_and_got_the_fake_gpus(slurm_run, cluster: SlurmCluster):
    _work, _result, jobs = slurm_run
    allocations = cluster.gpu_allocations()  # written by the cluster's Prolog when a job starts
    for job in jobs:
        assert job["Partition"] == cluster.partition  # from FIMREPAIR_SLURM_PARTITION
        if job["rule"] in GPU_RULES:
            # requested: sbatch --gpus=h100:1 (profile: gpu 1, gpu_model h100)
            assert job.get("TresPerJob") == "gres:gpu:h100:1", job
            # allocated: one of the node's fake H100s (index 0-3)
            assert re.fullmatch(r"[0-3]", allocations.get(job["JobId"], "")), (job["JobId"], allocations)
        else:
            assert not job.get("TresPerJob"), job
            assert allocations.get(job["JobId"], "") == "", (job["JobId"], allocations)
    finetune = [j for j in jobs if j["rule"] == "finetune"]
    generate = [j for j in jobs if j["rule"] == "generate"]
    # the real profile's sizes for the 6.7B model reached sbatch unchanged
    assert {mem_mb(j["MinMemoryNode"]) for j in finetune} == {96000} and {j["TimeLimit"] for j in finetune} == {
        "1-00:00:00"
    }
    assert {mem_mb(j["MinMemoryNode"]) for j in generate} == {64000} and {j["TimeLimit"] for j in generate} == {
        "08:00:00"
    }
    assert {j["wildcards"] for j in finetune} == {"fim", "fim_psm", "nofim", "repro"}


def mem_mb(value: str) -> int:
    """Slurm's memory display (96000M, 62.50G) in MB."""
    number, unit = float(value[:-1]), value[-1].upper()
    return round(number * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[unit])


RECIPES = ("nofim", "fim", "fim_psm", "repro")
UNTRAINED = ("base", "oracle", "identity")  # models whose candidates need no fine-tuning


def _same_bytes(a: Path, b: Path, rels: list[str]) -> None:
    for rel in rels:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), f"{rel} differs between the Slurm and the local run"


def _same_verdicts(a: Path, b: Path, model: str) -> None:
    """Byte for byte: the measured times are in timings.tsv, not in the verdicts."""
    _same_bytes(a, b, [f"results/validate/tiny/{model}/verdicts.jsonl"])


def test_outputs_equal_the_local_run(slurm_run, local_run):
    """Same seeds, same threads per rule, same machine: data, bug records, training pairs, the
    pre-trained tiny model's loss curve, the zero-shot and reference candidates and their
    verdicts are byte for byte those of the local run (the measured times are in timings.tsv)."""
    slurm_dir, _, _ = slurm_run
    for name in ("train", "test"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(slurm_dir / f"results/data/{name}.parquet"),
            pd.read_parquet(local_run / f"results/data/{name}.parquet"),
        )
    rels = ["results/data/funnel.tsv", "results/benchmark/tiny/bugs.jsonl", "results/model/tiny_pretrain_loss.tsv"]
    for recipe in RECIPES:
        rels += [
            f"results/representations/{recipe}/train.jsonl",
            f"results/representations/{recipe}/eval.jsonl",
            f"results/finetune/{recipe}/recipe.json",
            f"results/finetune/{recipe}/counts.json",
        ]
    rels += [f"results/generate/tiny/{model}/candidates.jsonl" for model in UNTRAINED]
    _same_bytes(slurm_dir, local_run, rels)
    for model in UNTRAINED:
        _same_verdicts(slurm_dir, local_run, model)
    summary_a = pd.read_csv(slurm_dir / "results/analysis/summary.tsv", sep="\t").set_index("model")
    summary_b = pd.read_csv(local_run / "results/analysis/summary.tsv", sep="\t").set_index("model")
    pd.testing.assert_frame_equal(summary_a.loc[list(UNTRAINED)], summary_b.loc[list(UNTRAINED)])


def test_fine_tuned_outputs_equal_the_local_run(slurm_run, local_run):
    """LoRA training on CPU with the same seed and one thread is reproducible when the adapter's
    initial weights are seeded: loss curves and adapter weights are then bitwise equal, and so
    are the fine-tuned models' candidates, verdicts and the whole summary."""
    slurm_dir, _, _ = slurm_run
    for recipe in RECIPES:
        a = (slurm_dir / f"results/finetune/{recipe}/loss.tsv").read_text()
        b = (local_run / f"results/finetune/{recipe}/loss.tsv").read_text()
        assert a == b, (
            f"results/finetune/{recipe}/loss.tsv differs between two runs on the same data: LoRA "
            "fine-tuning is not reproducible (seed torch before the LoRA adapters are created)\n"
            f"Slurm:\n{a[:400]}\nlocal:\n{b[:400]}"
        )
    _same_bytes(slurm_dir, local_run, [f"results/finetune/{r}/adapter/adapter_model.safetensors" for r in RECIPES])
    _same_bytes(slurm_dir, local_run, [f"results/generate/tiny/{m}/candidates.jsonl" for m in RECIPES])
    for model in RECIPES:
        _same_verdicts(slurm_dir, local_run, model)
    _same_bytes(slurm_dir, local_run, ["results/analysis/summary.tsv", "results/analysis/pairwise.tsv"])


# ---- a failure under Slurm, then a resume -----------------------------------------------------
def test_failed_job_fails_the_run_with_its_log_and_rerun_resumes(cluster: SlurmCluster, tmp_path: Path):
    """The cheapest Slurm jobs: validate for the two reference models (their inputs come from
    local rules in seconds). A test-only broken input, a malformed candidates file for
    `identity`, makes that job fail under Slurm while `oracle`'s completes. After the cause is
    removed, the rerun redoes identity's candidates and validation, not oracle's."""
    if not java_available():
        pytest.skip("javac or /usr/share/java/junit4.jar is missing: the validate stage needs Java 17 and JUnit 4")
    work = copy_workflow(tmp_path / "wf")
    profile = write_test_profile(work, cluster)
    targets = ["results/validate/tiny/oracle/verdicts.jsonl", "results/validate/tiny/identity/verdicts.jsonl"]
    broken = work / "results/generate/tiny/identity/candidates.jsonl"
    # the reference candidates, locally (benchmark_tiny, benchmark_bugs, generate_reference)
    pre = snakemake(
        work,
        ["--cores", "2", str(broken.relative_to(work)), "results/generate/tiny/oracle/candidates.jsonl"],
        cluster.env,
        timeout=300,
    )
    assert pre.returncode == 0, pre.stderr[-3000:]
    broken.write_text("{ this is not a candidate\n")

    t0 = time.monotonic()
    first = snakemake(work, ["--cores", "2", "--profile", str(profile), *targets], cluster.env, timeout=600)
    TIMINGS["failing run"] = time.monotonic() - t0
    log = "logs/validate/tiny/identity.log"
    assert first.returncode != 0, first.stderr[-3000:]
    assert "Error in rule validate" in first.stderr, first.stderr[-3000:]
    assert log in first.stderr, first.stderr[-3000:]  # the rule's log, beside Slurm's own
    assert ".snakemake/slurm_logs/rule_validate" in first.stderr
    assert "Traceback" in (work / log).read_text() or "Error" in (work / log).read_text()
    jobs = slurm_jobs_of(cluster, work)
    states = sorted((j["rule"], j["wildcards"], j["JobState"]) for j in jobs)
    # oracle completed; identity failed, and was retried once (profile: retries 1)
    # (wildcards: benchmark and model, joined as the Slurm plugin writes them into the job comment)
    assert states == [("validate", "tiny_identity", "FAILED")] * 2 + [("validate", "tiny_oracle", "COMPLETED")], states
    assert not (work / targets[1]).exists()
    done = work / targets[0]
    mtime = done.stat().st_mtime_ns
    first_ids = {j["JobId"] for j in jobs}

    broken.unlink()  # the fix
    t0 = time.monotonic()
    second = snakemake(work, ["--cores", "2", "--profile", str(profile), *targets], cluster.env, timeout=600)
    TIMINGS["resumed run"] = time.monotonic() - t0
    assert second.returncode == 0, second.stderr[-4000:]
    assert (work / targets[1]).is_file()
    assert done.stat().st_mtime_ns == mtime, "oracle's validation was redone"
    new = sorted(
        (j["rule"], j["wildcards"], j["JobState"]) for j in slurm_jobs_of(cluster, work) if j["JobId"] not in first_ids
    )
    assert new == [("validate", "tiny_identity", "COMPLETED")], new
    assert "localrule generate_reference:" in second.stderr


# ---- a fine-tune over 2 GPUs (DDP) through the profile ---------------------------------------
DDP_OVERLAY = {
    "base_model": {"tiny": {"copy_warmup_steps": 0, "pretrain_steps": 5, "vocab_size": 600}},
    "data": {"synthetic_rows": 200, "test_size": 20},
    "training": {
        "processes": 2,
        "batch_size": 4,
        "gradient_accumulation": 4,
        "max_steps": 4,
        "save_steps": 2,
        "eval_rows": 4,
        "logging_steps": 1,
        "eval_steps": 2,
    },
}


def test_a_two_process_finetune_through_the_profile(cluster: SlurmCluster, tmp_path: Path):
    """training.processes 2: the finetune job asks Slurm for 2 GPUs (and 64 GB + 32 GB a GPU),
    gets two of the node's fake H100s, and trains with 2 DDP processes (torchrun, gloo on the
    CPU) to 16 examples a step. Its inputs are made locally first, so only the fine-tune is a
    Slurm job."""
    work = copy_workflow(tmp_path / "wf")
    profile = write_test_profile(work, cluster)
    (work / "config.ddp.yaml").write_text(yaml.safe_dump(DDP_OVERLAY))
    configfiles = ("config.tiny.yaml", "config.ddp.yaml")
    inputs = ["results/representations/fim/train.jsonl", "results/representations/fim/eval.jsonl"]
    pre = snakemake(work, ["--cores", "2", *inputs, "resources/models/tiny"], cluster.env, 600, configfiles)
    assert pre.returncode == 0, pre.stderr[-3000:]
    t0 = time.monotonic()
    target = "results/finetune/fim/counts.json"
    run = snakemake(work, ["--cores", "2", "--profile", str(profile), target], cluster.env, 900, configfiles)
    TIMINGS["2-process fine-tune through Slurm"] = time.monotonic() - t0
    assert run.returncode == 0, run.stderr[-4000:] + (work / "logs/finetune/fim/train.log").read_text()[-4000:]
    jobs = slurm_jobs_of(cluster, work)
    assert [j["rule"] for j in jobs] == ["finetune"], jobs
    job = jobs[0]
    assert job["JobState"] == "COMPLETED" and job.get("TresPerJob") == "gres:gpu:h100:2", job
    assert mem_mb(job["MinMemoryNode"]) == 128000, job
    assert re.fullmatch(r"[0-3],[0-3]", cluster.gpu_allocations().get(job["JobId"], "")), cluster.gpu_allocations()
    counts = json.loads((work / target).read_text())
    assert (counts["world_size"], counts["examples_per_step"], counts["optimizer_steps"]) == (2, 16, 4)
    log = (work / "logs/finetune/fim/train.log").read_text()
    assert "launching 2 DDP processes" in log and "rank1" in log
