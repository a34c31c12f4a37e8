"""Checkpoints of LoRA fine-tuning: which checkpoint a rerun may resume.

A checkpoint is complete once :data:`FINGERPRINT_FILE` is written into it; it holds
:func:`training_fingerprint`, a digest of everything that decides the trained adapter. A
rerun resumes the latest complete checkpoint of its own fingerprint
(:func:`resumable_checkpoint`); any other checkpoint is removed, never resumed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from fimrepair.io import dir_identity
from fimrepair.recipe import Recipe

__all__ = ["FINGERPRINT_FILE", "resumable_checkpoint", "training_fingerprint"]

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "fimrepair_fingerprint.txt"  # written into a checkpoint once it is complete
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
# Recipe keys that do not change what is trained (a checkpoint stays valid when they change).
_NOT_FINGERPRINTED = ("save_steps", "save_total_limit")


def training_fingerprint(
    model_dir: Path,
    recipe: Recipe,
    train_rows: Sequence[dict[str, list[int]]],
    eval_rows: Sequence[dict[str, list[int]]],
    batching: dict[str, int] | None = None,
) -> str:
    """A digest of everything that decides the trained adapter: the recipe (but its checkpoint
    settings), the base model, the tokenised training and eval rows, and the batching actually
    run (``world_size``, ``per_device_batch``, ``gradient_accumulation``, ``examples_per_step``),
    so a checkpoint is never resumed on another node shape."""
    spec = recipe.to_dict()
    for key in _NOT_FINGERPRINTED:
        spec["train"].pop(key, None)
    digest = hashlib.sha256()
    identity = {"recipe": spec, "model": dir_identity(model_dir)}
    if batching is not None:
        identity["batching"] = batching
    digest.update(json.dumps(identity, sort_keys=True).encode())
    for rows in (train_rows, eval_rows):
        digest.update(json.dumps(list(rows), sort_keys=True).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def resumable_checkpoint(checkpoint_dir: Path, fingerprint: str, prune: bool = True) -> Path | None:
    """The latest complete checkpoint of this fingerprint; checkpoints of another fingerprint
    and incomplete ones (killed while being written) are removed, each named in the log
    (``prune=False``, on DDP ranks but 0: only read; rank 0 keeps the one they find)."""
    if not checkpoint_dir.is_dir():
        return None
    found = sorted(
        ((int(m.group(1)), p) for p in checkpoint_dir.iterdir() if p.is_dir() and (m := _CHECKPOINT.match(p.name))),
        reverse=True,
    )
    if not prune:
        for _, path in found:
            try:
                if (path / FINGERPRINT_FILE).read_text().strip() == fingerprint:
                    return path
            except OSError:  # incomplete, or being removed by rank 0
                continue
        return None
    latest = None
    for _, path in found:
        marker = path / FINGERPRINT_FILE
        if not marker.is_file():
            log.warning("removing incomplete checkpoint %s (no %s)", path, FINGERPRINT_FILE)
        elif marker.read_text().strip() != fingerprint:
            log.warning(
                "removing checkpoint %s: it belongs to another recipe, base model, data or configuration (fingerprint %s, this run %s)",
                path,
                marker.read_text().strip()[:12],
                fingerprint[:12],
            )
        elif latest is None:
            latest = path
            continue
        else:
            continue
        shutil.rmtree(path)
    return latest
