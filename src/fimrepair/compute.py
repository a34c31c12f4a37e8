"""Where the GPU stages run: the CUDA check, the device report, offline mode, Unsloth's import.

- :func:`require_device` is the first thing a GPU rule does: it fails at once, saying why,
  when CUDA is not usable (a CPU-only torch, no GPU visible, a driver too old for the CUDA
  build), unless the configuration runs on the CPU on purpose (``compute.allow_cpu``). It
  logs the device, CUDA runtime, NVIDIA driver and library versions either way.
- :func:`go_offline` sets the hub libraries' offline variables (and Unsloth's statistics off);
  every rule but the downloads calls it (through :func:`fimrepair.stages.common.logged`), so a job on
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


CUDA_TOUCHED = False
"""Set once :func:`cuda_status` has queried CUDA in this process (Unsloth must come before)."""


def cuda_status() -> tuple[bool, str]:
    """(usable, why not). Usable means a CUDA build of torch sees a GPU and runs a kernel on it."""
    global CUDA_TOUCHED
    import torch

    CUDA_TOUCHED = True

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
            "the Slurm GPU request) and that the driver is new enough for torch's CUDA build (docs/gpu.md, "
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


# --- one job per GPU on a single machine ---------------------------------------------------------
#
# Snakemake bounds the `gpu` resource only when `--resources` names it, and assigns no device
# to a job. The workflow therefore (workflow/rules/common.smk) sets the `gpu` resource of a local
# run to the number of GPUs (`compute.gpus`, or the visible ones) and exports their ids in
# GPU_SLOTS_ENV; each GPU job then takes as many of these ids as it uses by locking one file per
# id (fcntl.flock) and sets CUDA_VISIBLE_DEVICES to them. Snakemake's bound means a free id
# always exists for a job it starts; the lock makes the choice of which id safe between
# concurrent jobs, and the kernel releases it when the job's process ends, even on SIGKILL.
# Under Slurm (no GPU_SLOTS_ENV) the job keeps the CUDA_VISIBLE_DEVICES that Slurm gave it.

GPU_SLOTS_ENV = "FIMREPAIR_GPU_SLOTS"
GPU_LOCK_DIR_ENV = "FIMREPAIR_GPU_LOCK_DIR"


def visible_gpu_ids(configured: int | None = None) -> list[str]:
    """The GPU ids one machine offers to the workflow's jobs.

    ``configured`` (``compute.gpus``) wins: that many ids, taken from CUDA_VISIBLE_DEVICES when
    it lists enough, else ``0..n-1`` (a simulated count on a machine without GPUs is allowed:
    the ids are then only labels). ``None``: the ids in CUDA_VISIBLE_DEVICES when it is set,
    else one per GPU that ``nvidia-smi -L`` lists (none without nvidia-smi). Imports no torch.
    """
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    listed = [x.strip() for x in env.split(",") if x.strip()] if env is not None else None
    if configured is not None:
        if configured < 0:
            raise ValueError(f"compute.gpus must be >= 0 or null, got {configured}")
        if listed is not None and len(listed) >= configured:
            return listed[:configured]
        return [str(i) for i in range(configured)]
    if listed is not None:
        return listed
    smi = shutil.which("nvidia-smi")
    if not smi:
        return []
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if out.returncode != 0:
        return []
    return [str(i) for i, _ in enumerate(x for x in out.stdout.splitlines() if x.startswith("GPU "))]


def _lock_dir() -> Path:
    import tempfile

    return Path(os.environ.get(GPU_LOCK_DIR_ENV) or Path(tempfile.gettempdir()) / "fimrepair-gpu-locks")


_HELD: list[Any] = []  # open lock files of this process (released when it exits)


def acquire_gpus(n: int, what: str, poll_s: float = 2.0, timeout_s: float | None = None) -> list[str] | None:
    """Pin this process to ``n`` of the workflow's GPUs (module comment above) and return their
    ids; None where the workflow exported no GPU ids (Slurm, or a direct call), in which case
    CUDA_VISIBLE_DEVICES is left as it is. Waits while other jobs hold the ids (a second
    workflow on the same machine); refuses at once when the machine has fewer than ``n``."""
    import fcntl
    import time

    slots = os.environ.get(GPU_SLOTS_ENV)
    if slots is None:
        return None
    ids = [x for x in slots.split(",") if x]
    if n > len(ids):
        raise DeviceError(
            f"{what}: needs {n} GPU(s) but this machine offers the workflow {len(ids)} ({GPU_SLOTS_ENV}={slots!r}); "
            "lower training.processes or set compute.gpus"
        )
    lock_dir = _lock_dir()
    lock_dir.mkdir(parents=True, exist_ok=True)
    waited = 0.0
    while True:
        held: list[tuple[str, Any]] = []
        for gpu in ids:
            fh = open(lock_dir / f"gpu-{re.sub(r'[^A-Za-z0-9_.-]', '_', gpu)}.lock", "a+")  # noqa: SIM115
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                continue
            held.append((gpu, fh))
            if len(held) == n:
                break
        if len(held) == n:
            for _, fh in held:
                fh.seek(0)
                fh.truncate()
                fh.write(f"{os.getpid()} {what}\n")
                fh.flush()
                _HELD.append(fh)
            chosen = [gpu for gpu, _ in held]
            os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(chosen)
            log.info("%s: GPU slot(s) %s of %s: CUDA_VISIBLE_DEVICES=%s", what, chosen, ids, ",".join(chosen))
            return chosen
        for _, fh in held:  # not enough free: release, wait, try again (never hold a partial set)
            fh.close()
        if timeout_s is not None and waited >= timeout_s:
            raise DeviceError(f"{what}: no {n} free GPU(s) of {ids} after {waited:.0f} s (locks in {lock_dir})")
        if waited == 0:
            log.warning(
                "%s: waiting for %d free GPU(s) of %s (held by other jobs; locks in %s)", what, n, ids, lock_dir
            )
        time.sleep(poll_s)
        waited += poll_s


def release_gpus() -> None:
    """Release the GPU slots this process holds and log it (a workflow step does when it ends,
    so its log shows the span the job held its GPU; the kernel drops the locks at exit anyway,
    even on SIGKILL)."""
    if not _HELD:
        return
    names = [Path(fh.name).stem.removeprefix("gpu-") for fh in _HELD]
    while _HELD:
        _HELD.pop().close()
    log.info("GPU slot(s) %s released", sorted(names))


def check_visible_devices(world_size: int, what: str) -> int:
    """The CUDA devices this process sees; a :class:`DeviceError` when there are more than its
    world size: the Trainer would wrap the model in ``nn.DataParallel`` and multiply the
    examples of each optimiser step by the device count."""
    import torch

    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if n > world_size:
        raise DeviceError(
            f"{what}: this process sees {n} CUDA devices (CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')!r}) "
            f"but is 1 of {world_size} training process(es); transformers would silently wrap the model in "
            "nn.DataParallel and train on more examples per step than the recipe says. Give it exactly "
            "training.processes GPUs (the workflow does: compute.gpus, CUDA_VISIBLE_DEVICES) or raise training.processes "
            "to train with DDP"
        )
    return n
