"""Which files of a hub repository the pipeline downloads: only those it reads.

Models: configuration, tokenizer and safetensors weights (not the ``.bin``/``.pt`` copies a
repository often carries beside them, not other frameworks' formats, not training leftovers).
Adapters: the same rules. Datasets: the train split's data files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WEIGHTS = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf", ".ot", ".tflite")
_NEVER = re.compile(
    r"(^|/)(checkpoint-\d+|runs|\.git\w*)(/|$)|(^|/)(optimizer|scheduler|rng_state\w*|training_args|trainer_state)\.\w+$"
)
_DATA = (".parquet", ".jsonl", ".json.gz", ".jsonl.gz", ".arrow")


class HubFilesError(ValueError):
    """A repository lacks the files the pipeline needs; the message lists what it has."""


def model_files(names: Iterable[str]) -> list[str]:
    """A model's or adapter's files to fetch: safetensors weights when there are any (else the
    PyTorch ``.bin`` ones), and the small configuration/tokenizer files, at the top level."""
    top = sorted(n for n in names if "/" not in n and not _NEVER.search(n))
    weights = [
        n
        for n in top
        if n.endswith(".safetensors") or n == "model.safetensors.index.json" or n == "adapter_model.safetensors"
    ]
    if not [n for n in weights if n.endswith(".safetensors")]:
        weights = [n for n in top if n.endswith(".bin") or n.endswith(".bin.index.json")]
    other = [
        n
        for n in top
        if not n.endswith(_WEIGHTS) and not n.endswith(".index.json") and not n.endswith((".md", ".gitattributes"))
    ]
    chosen = sorted(set(weights) | set(other))
    if not any(n.endswith((".safetensors", ".bin")) for n in chosen):
        raise HubFilesError(f"no weights (.safetensors or .bin) at the top level; files: {sorted(names)[:50]}")
    return chosen


def dataset_files(names: Iterable[str]) -> list[str]:
    """A dataset's train-split data files (a path component or file name starting with
    ``train``); all its data files when none is named so."""
    data = sorted(n for n in names if n.endswith(_DATA) and not _NEVER.search(n))
    train = [n for n in data if any(part.startswith("train") for part in n.split("/"))]
    if not data:
        raise HubFilesError(f"no data files ({', '.join(_DATA)}); files: {sorted(names)[:50]}")
    return train or data
