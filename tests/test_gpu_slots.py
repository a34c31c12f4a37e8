"""One job per GPU on one machine, through the real Snakemake scheduler: the workflow started
the README's way (``snakemake --cores 2 --configfile ...``, no --resources) with the GPU rules
allowed on the CPU and a simulated GPU count (``compute.gpus``). Snakemake's own start and end
times of the jobs (its metadata) show that with one GPU no two GPU jobs overlapped, and with two
GPUs two ran at once, each pinned to its own device (CUDA_VISIBLE_DEVICES, from its log).
Cheap: a small overlay shortens the tiny model, the data and the training (about 2 x 40 s)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import copy_workflow

GPU_RULES = ("finetune", "generate")
TARGETS = (
    "results/finetune/fim/counts.json",
    "results/finetune/nofim/counts.json",
    "results/generate/tiny/base/candidates.jsonl",
)
SHORT = {
    "base_model": {"tiny": {"copy_warmup_steps": 0, "pretrain_steps": 5, "vocab_size": 600}},
    "data": {"synthetic_rows": 200, "test_size": 20},
    "training": {"max_steps": 3, "save_steps": 0, "eval_rows": 4, "logging_steps": 1, "eval_steps": 3},
    "generation": {"num_beams": 1, "num_return_sequences": 1, "max_new_tokens": 4},
}


def gpu_jobs(work: Path) -> list[dict]:
    """Snakemake's record of each GPU job (its metadata holds one record per output file): rule,
    the job's log and its start and end time."""
    jobs: dict[tuple[str, str], dict] = {}
    for f in (work / ".snakemake" / "metadata").iterdir():
        rec = json.loads(f.read_text())
        if rec.get("rule") in GPU_RULES:
            job = jobs.setdefault((rec["rule"], rec["log"][0]), {"start": rec["starttime"], "end": rec["endtime"]})
            job["start"], job["end"] = min(job["start"], rec["starttime"]), max(job["end"], rec["endtime"])
    return [{"rule": r, "log": log, **times} for (r, log), times in sorted(jobs.items())]


def devices(work: Path) -> dict[str, str]:
    """Log file -> the CUDA_VISIBLE_DEVICES its GPU job was pinned to."""
    out = {}
    for log in [*work.glob("logs/finetune/*/train.log"), *work.glob("logs/generate/*/*.log")]:
        m = re.search(r"GPU slot\(s\) .*: CUDA_VISIBLE_DEVICES=(\S+)", log.read_text())
        out[str(log.relative_to(work))] = m.group(1) if m else ""
    return out


def run(work: Path, gpus: int, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    overlay = {**SHORT, "compute": {"allow_cpu": True, "gpus": gpus}}
    (work / "config.slots.yaml").write_text(yaml.safe_dump(overlay))
    env = {**os.environ, "FIMREPAIR_GPU_LOCK_DIR": str(tmp_path / "locks"), "OMP_NUM_THREADS": "1"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *TARGETS, "--cores", "2",
         "--configfile", "config.tiny.yaml", "config.slots.yaml", *extra],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def overlaps(jobs: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["log"], b["log"])
        for i, a in enumerate(jobs)
        for b in jobs[i + 1 :]
        if a["start"] < b["end"] and b["start"] < a["end"]
    ]


def test_gpu_jobs_never_share_a_gpu(tmp_path: Path):
    """One GPU: the three GPU jobs ran one after the other. Two GPUs (the same run's GPU jobs
    forced to run again): two ran at once, on different devices."""
    work = copy_workflow(tmp_path / "work")
    for gpus, extra in ((1, ()), (2, ("--forcerun", *GPU_RULES))):
        result = run(work, gpus, tmp_path, *extra)
        assert f"at most {gpus} at once" in result.stderr
        jobs = gpu_jobs(work)
        assert sorted(j["rule"] for j in jobs) == ["finetune", "finetune", "generate"], jobs
        pinned = devices(work)
        assert len(pinned) == 3 and set(pinned.values()) <= {str(i) for i in range(gpus)}, pinned
        if gpus == 1:
            assert overlaps(jobs) == [], jobs  # the scheduler ran them one after the other
        else:
            both = overlaps(jobs)
            assert both, f"no two GPU jobs ran at once with 2 GPUs: {jobs}"
            for a, b in both:  # jobs that ran at once had different devices
                assert pinned[a] != pinned[b], (a, b, pinned)
