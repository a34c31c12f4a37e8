"""The GPU check (bench/gpu_check.py) on a machine without a usable GPU: it says so, measures
nothing, ends with its JSON line and exits non-zero."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO


def test_gpu_check_without_a_gpu_says_so_and_fails():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a usable GPU: run `make gpu-check` instead")
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "gpu_check.py")], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1
    assert "GPU check: no usable CUDA GPU here" in result.stderr and "nothing was measured" in result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["ok"] is False and last["device"] == "cpu" and last["versions"]["torch"]


def test_gpu_check_cpu_smoke_measures_the_configurations_shape(tmp_path):
    """``--cpu-smoke`` runs every phase at toy lengths on the CPU; its JSON line names the
    micro-batch, accumulation and checkpointing it trained with (the configuration's), the
    GPU-hour estimate's counts read from the configuration, and TFLOP/s per backend."""
    import yaml

    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                "training": {"batch_size": 2, "gradient_accumulation": 8, "gradient_checkpointing": True},
                "train": ["fim", "nofim"],
                "evaluate": ["base", "fim", "nofim"],
                "extra_benchmarks": [],
            }
        )
    )
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "gpu_check.py"), "--cpu-smoke", "--steps", "3", "--configfile",
         str(REPO / "config.yaml"), str(overlay)],
        capture_output=True, text=True, timeout=600, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["shape"]["micro_batch"] == 2 and report["shape"]["gradient_accumulation"] == 8
    assert report["shape"]["examples_per_step"] == 16 and report["shape"]["gradient_checkpointing"] is True
    assert report["train"]["hf"]["tokens_per_s"] > 0, report["train"]
    counts = report["gpu_hours_paper"]["counts"]
    assert (counts["recipes"], counts["generated_models"], counts["benchmarks"]) == (2, 3, 1)
    assert counts["bugs"] == {"humaneval-java": 162}
    assert report["tflops"]["hf"]["achieved"] > 0 and "unsloth" in report["tflops"]
    assert report["resume"]["ok"] is True
    assert set(report["peak_gib_6_7b"]) == {"with_checkpointing", "without_checkpointing"}
