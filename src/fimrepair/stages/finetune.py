"""Stage 5, fine-tuning (workflow/rules/finetune.smk): the typed recipe and the LoRA fine-tune,
on one device or several (DDP through torchrun).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fimrepair.io import read_jsonl, write_tsv

log = logging.getLogger("fimrepair")


def recipe(
    out: str | Path,
    *,
    name: str,
    spec: Mapping[str, Any],
    lora: Mapping[str, Any],
    training: Mapping[str, Any],
    sentinels: str,
    seed: int,
    token_ids: Mapping[str, int] | None = None,
) -> None:
    """The typed recipe ``name`` (``recipes.<name>`` as ``spec``, with the shared LoRA and
    training settings, and the base model's sentinel family and token ids from the model
    stage's ``model.json``), validated, as JSON."""
    from fimrepair.recipe import Recipe
    from fimrepair.training_pairs import recipe_layout

    kind, fim_rate, spm_rate = recipe_layout(spec)
    r = Recipe.from_dict(
        {
            "name": name,
            "kind": kind,
            "fim_rate": fim_rate,
            "spm_rate": spm_rate,
            "token_ids": dict(token_ids) if token_ids else None,
            "sentinels": sentinels,
            "seed": seed,
            "lora": dict(lora),
            "train": {k: v for k, v in training.items() if k != "seeds"},  # a run's seed is `seed`
        }
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    r.save(Path(out))


def finetune(
    model_dir: str | Path,
    recipe_json: str | Path,
    train_pairs: str | Path,
    eval_pairs: str | Path,
    out_adapter: str | Path,
    out_loss: str | Path,
    out_counts: str | Path,
    *,
    checkpoint_dir: str | Path,
    allow_cpu: bool = False,
) -> None:
    """Fine-tune one recipe on the GPU (the CPU only with ``allow_cpu``), resuming from a
    matching checkpoint in ``checkpoint_dir``.

    On one machine the job first takes ``training.processes`` of the workflow's GPUs
    (:func:`fimrepair.compute.acquire_gpus`); with one process it trains here, with more it
    starts that many DDP processes with torchrun (:func:`finetune_process` in each; rank 0
    writes the outputs) and fails, with the workers' log, if any of them does."""
    from fimrepair.compute import acquire_gpus
    from fimrepair.recipe import Recipe

    recipe = Recipe.load(Path(recipe_json))
    acquire_gpus(recipe.train.processes, f"finetune {recipe.name}")  # before anything touches CUDA
    args = {
        "model_dir": str(model_dir),
        "recipe_json": str(recipe_json),
        "train_pairs": str(train_pairs),
        "eval_pairs": str(eval_pairs),
        "out_adapter": str(out_adapter),
        "out_loss": str(out_loss),
        "out_counts": str(out_counts),
        "checkpoint_dir": str(checkpoint_dir),
        "allow_cpu": allow_cpu,
    }
    if recipe.train.processes == 1:
        finetune_process(**args)
        return
    launch_ddp(recipe.train.processes, args, f"finetune {recipe.name}")


def launch_ddp(processes: int, args: Mapping[str, Any], what: str) -> None:
    """Run :func:`finetune_process` in ``processes`` DDP processes on this node (torchrun,
    ``--standalone``); their output goes to this process's stdout (the job's log). Each process
    gets the job's CPUs (Slurm's, else ``OMP_NUM_THREADS``) / ``processes`` threads. Raises if
    the launcher fails."""
    import subprocess
    import sys

    cpus = os.environ.get("SLURM_CPUS_PER_TASK") or os.environ.get("OMP_NUM_THREADS") or "1"
    threads = max(1, int(cpus) // processes)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={processes}",
        "-m",
        "fimrepair.ddp_worker",
        json.dumps(dict(args)),
    ]
    log.info("%s: launching %d DDP processes: %s", what, processes, " ".join(cmd[:6]))
    sys.stdout.flush()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=_die_with_parent
    )
    assert proc.stdout is not None
    tail: list[str] = []
    for line in proc.stdout:
        sys.stdout.write(line)
        tail = [*tail[-40:], line]
    if proc.wait() != 0:
        raise RuntimeError(f"{what}: torchrun exited with {proc.returncode}; its last lines:\n{''.join(tail)}")


def _die_with_parent() -> None:
    """In a child: receive SIGTERM when the job's process dies (Linux), so a killed job does
    not leave its DDP launcher running; torchrun then stops its workers."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def finetune_process(
    *,
    model_dir: str,
    recipe_json: str,
    train_pairs: str,
    eval_pairs: str,
    out_adapter: str,
    out_loss: str,
    out_counts: str,
    checkpoint_dir: str,
    allow_cpu: bool,
) -> None:
    """One training process (the only one, or one DDP rank): Unsloth first when it is the
    backend (before anything touches CUDA, so its allocator settings apply), the device check,
    training; rank 0 writes the loss table and the counts."""
    from fimrepair.compute import import_unsloth, require_device
    from fimrepair.recipe import Recipe

    recipe = Recipe.load(Path(recipe_json))
    if recipe.train.backend == "unsloth":
        import_unsloth()
    require_device(allow_cpu, f"finetune {recipe.name}")
    from fimrepair.finetune import train_lora
    from fimrepair.training_batches import world

    curve, counts = train_lora(
        Path(model_dir),
        read_jsonl(train_pairs),
        read_jsonl(eval_pairs),
        recipe,
        Path(out_adapter),
        checkpoint_dir=Path(checkpoint_dir),
    )
    if world()[0] == 0:
        write_tsv(out_loss, curve, columns=["recipe", "step", "epoch", "loss", "split"])
        Path(out_counts).write_text(json.dumps({"recipe": recipe.name, **counts}, indent=2) + "\n")
