"""One job per GPU on one machine, through the real Snakemake scheduler: the workflow started
the README's way (``snakemake --cores 2 --configfile ...``, no --resources) with the GPU rules
allowed on the CPU and a simulated GPU count (``compute.gpus``). Snakemake's own start and end
times of the jobs (its metadata) show that with one GPU no two GPU jobs overlapped, and with two
GPUs two ran at once, each pinned to its own device (CUDA_VISIBLE_DEVICES and the span it held
it, from its log).
Cheap: a small overlay shortens the tiny model, the data and the training (about 2 x 40 s)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
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


STAMP = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*"


def held(work: Path) -> dict[str, dict]:
    """Log file -> the CUDA_VISIBLE_DEVICES its GPU job was pinned to and the span it held the
    slot: from the job's own log line that took it to the one its step wrote when it let it go.
    (Snakemake's metadata cannot say this: it ends a job's record when it has touched the
    outputs, after the scheduler may already have started the next job on the freed GPU.)"""
    out = {}
    for log in [*work.glob("logs/finetune/*/train.log"), *work.glob("logs/generate/*/*.log")]:
        text = log.read_text()
        took = re.findall(STAMP + r"GPU slot\(s\) .*: CUDA_VISIBLE_DEVICES=(\S+)$", text, re.M)
        released = re.findall(STAMP + r"GPU slot\(s\) \[.*\] released$", text, re.M)
        assert len(took) == 1 and len(released) == 1, (log, took, released)
        (start, device), end = took[0], released[0]
        stamp = lambda t: datetime.strptime(t, "%Y-%m-%d %H:%M:%S,%f").timestamp()  # noqa: E731
        out[str(log.relative_to(work))] = {"device": device, "start": stamp(start), "end": stamp(end)}
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


def overlaps(spans: dict[str, dict]) -> list[tuple[str, str]]:
    logs = sorted(spans)
    return [
        (a, b)
        for i, a in enumerate(logs)
        for b in logs[i + 1 :]
        if spans[a]["start"] < spans[b]["end"] and spans[b]["start"] < spans[a]["end"]
    ]


def test_gpu_jobs_never_share_a_gpu(tmp_path: Path):
    """One GPU: the three GPU jobs ran one after the other (in Snakemake's own record, which spans
    each job's whole process, and without waiting on a held slot). Two GPUs (the same run's GPU
    jobs forced to run again): two held their GPUs at once, and never the same one."""
    work = copy_workflow(tmp_path / "work")
    for gpus, extra in ((1, ()), (2, ("--forcerun", *GPU_RULES))):
        result = run(work, gpus, tmp_path, *extra)
        assert f"at most {gpus} at once" in result.stderr
        jobs = gpu_jobs(work)
        assert sorted(j["rule"] for j in jobs) == ["finetune", "finetune", "generate"], jobs
        spans = held(work)
        assert len(spans) == 3 and {s["device"] for s in spans.values()} <= {str(i) for i in range(gpus)}, spans
        assert all(s["start"] <= s["end"] for s in spans.values()), spans
        assert "free GPU(s) of" not in "".join(p.read_text() for p in (work / "logs").rglob("*.log"))
        if gpus == 1:
            assert overlaps({j["log"]: j for j in jobs}) == [], jobs  # the scheduler ran them in turn
        else:
            both = overlaps(spans)
            assert both, f"no two GPU jobs held their GPUs at once with 2 GPUs: {spans}"
            for a, b in both:  # jobs that ran at once had different devices
                assert spans[a]["device"] != spans[b]["device"], (a, b, spans)
