"""Where the GPU stages run: the CUDA check, the device report, offline mode, Unsloth's import.

- :func:`require_device` is the first thing a GPU rule does: it fails at once, saying why,
  when CUDA is not usable (a CPU-only torch, no GPU visible, a driver too old for the CUDA
  build), unless the configuration runs on the CPU on purpose (``compute.allow_cpu``). It
  logs the device, CUDA runtime, NVIDIA driver and library versions either way.
- :func:`go_offline` sets the hub libraries' offline variables (and Unsloth's statistics off);
  every rule but the downloads calls it (through :func:`fimrepair.steps.logged`), so a job on
  a compute node without internet never tries the network.
- :func:`import_unsloth` imports Unsloth, refusing when transformers, trl, peft or datasets are
  already loaded in the process (Unsloth patches them at import; loaded first, its patched
  trainer is silently not used).

Nothing here imports transformers; versions are read from the installed metadata.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "UNSLOTH_DISABLE_STATISTICS": "1",
}
LIBRARIES = (
    "torch",
    "transformers",
    "trl",
    "peft",
    "accelerate",
    "datasets",
    "tokenizers",
    "huggingface-hub",
    "unsloth",
    "unsloth_zoo",
)
# Unsloth must be imported before these (it patches them when it is imported).
PATCHED_BY_UNSLOTH = ("transformers", "trl", "peft", "datasets")
ALLOW_CPU_HINT = "set compute.allow_cpu: true in the configuration to run on the CPU on purpose"


class DeviceError(RuntimeError):
    """CUDA is needed and not usable; the message says why and what to check."""


def go_offline() -> None:
    """Hub libraries offline, Unsloth's statistics off (before they are imported: they read
    the variables at import)."""
    os.environ.update(OFFLINE_ENV)


def library_versions() -> dict[str, str | None]:
    """Installed versions (None: not installed), read without importing anything."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def driver_version() -> str | None:
    """The NVIDIA kernel driver's version (``/proc/driver/nvidia/version``, else nvidia-smi)."""
    proc = Path("/proc/driver/nvidia/version")
    if proc.is_file():
        match = re.search(r"Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)", proc.read_text(errors="replace"))
        if match:
            return match.group(1)
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run(
                [smi, "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip().splitlines()[0]
    return None


def cuda_status() -> tuple[bool, str]:
    """(usable, why not). Usable means a CUDA build of torch sees a GPU and runs a kernel on it."""
    import torch

    if torch.version.cuda is None:
        return False, f"torch {torch.__version__} is a CPU-only build"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        available = torch.cuda.is_available()
    if not available:
        said = "; ".join(str(w.message).strip() for w in caught)
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        return False, said or f"no CUDA device visible (CUDA_VISIBLE_DEVICES={visible!r})"
    try:
        (torch.ones(2, device="cuda") * 2).sum().item()
    except RuntimeError as err:  # e.g. "no kernel image is available", a driver/runtime mismatch
        return False, f"a CUDA kernel failed to run: {err}"
    return True, ""


def device_report(cuda: bool) -> dict[str, Any]:
    """Device, CUDA runtime, driver and library versions, for logs and the GPU check."""
    import torch

    report: dict[str, Any] = {
        "device": "cpu",
        "cuda_runtime": torch.version.cuda,
        "driver": driver_version(),
        "python": platform.python_version(),
        "versions": library_versions(),
    }
    if cuda:
        props = torch.cuda.get_device_properties(0)
        report.update(
            device=props.name,
            device_count=torch.cuda.device_count(),
            capability=f"{props.major}.{props.minor}",
            memory_gib=round(props.total_memory / 2**30, 1),
            bf16=torch.cuda.is_bf16_supported(),
        )
    return report


def require_device(allow_cpu: bool, what: str) -> dict[str, Any]:
    """CUDA, or a :class:`DeviceError` naming the reason (unless ``allow_cpu``); logs and
    returns the device report (``report["cuda"]`` says which)."""
    usable, reason = cuda_status()
    report = {"cuda": usable, **device_report(usable)}
    if not usable and not allow_cpu:
        raise DeviceError(
            f"{what}: CUDA is not usable: {reason}. torch {report['versions']['torch']} (CUDA build: "
            f"{report['cuda_runtime'] or 'none'}), NVIDIA driver: {report['driver'] or 'not found'}. "
            "This GPU rule does not fall back to the CPU. Check the job got a GPU (nvidia-smi on the node, "
            "the Slurm GPU request) and that the driver is new enough for torch's CUDA build (README, "
            f"'GPU environment'); or {ALLOW_CPU_HINT}."
        )
    if usable:
        log.info(
            "%s: GPU %s (compute capability %s, %s GiB), CUDA runtime %s, NVIDIA driver %s",
            what,
            report["device"],
            report["capability"],
            report["memory_gib"],
            report["cuda_runtime"],
            report["driver"],
        )
    else:
        log.warning("%s: running on the CPU on purpose (compute.allow_cpu is true): %s", what, reason)
    log.info(
        "%s: python %s, %s", what, report["python"], ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v)
    )
    return report


def import_unsloth() -> Any:
    """Import Unsloth first in this process (offline, statistics off); refuse if too late."""
    loaded = [name for name in PATCHED_BY_UNSLOTH if name in sys.modules]
    if loaded and "unsloth" not in sys.modules:
        raise RuntimeError(
            f"training.backend 'unsloth': {', '.join(loaded)} already imported in this process, so Unsloth "
            "could not patch them; run the Unsloth backend in a fresh process that imports nothing of them first"
        )
    go_offline()
    try:
        import unsloth
    except ImportError as err:
        raise RuntimeError("training.backend 'unsloth' needs the GPU extra: pip install 'fimrepair[gpu]'") from err
    return unsloth
