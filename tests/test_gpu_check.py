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
