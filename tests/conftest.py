"""Shared fixtures. Heavy objects (the tiny model) are built once per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HUMANEVAL = SHARED / "humaneval-java"
REPAIRLLAMA_PROMPTS = SHARED / "repairllama-humaneval-prompts"


JUNIT = Path("/usr/share/java/junit4.jar")
JAVA_SKIP_REASON = "needs javac/java on PATH and /usr/share/java/junit4.jar (Debian junit4)"


def java_available() -> bool:
    return shutil.which("javac") is not None and shutil.which("java") is not None and JUNIT.is_file()


@pytest.fixture(scope="session")
def humaneval_root() -> Path:
    if not (HUMANEVAL / "src").is_dir():
        pytest.skip(f"../shared/humaneval-java is absent ({HUMANEVAL}); it is only present beside the project checkout")
    return HUMANEVAL


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model (tokenizer + Llama), built once for the whole session."""
    import torch

    from fimrepair.fim import sentinels
    from fimrepair.synthetic import generate_megadiff_rows
    from fimrepair.tinymodel import TinyModelSpec, build_tiny_model

    torch.set_num_threads(1)
    corpus = sorted({r["fixed_function"] for r in generate_megadiff_rows(300, seed=7) if r["fixed_function"]})
    out = tmp_path_factory.mktemp("tiny-model")
    build_tiny_model(corpus, sentinels("deepseek-coder"), TinyModelSpec(vocab_size=800, pretrain_steps=30), 7, out, progress=False)
    return out
