"""Downloads fetch only the files the pipeline reads; every rule but the downloads runs offline."""

from __future__ import annotations

import pytest

from fimrepair.hub import HubFilesError, dataset_files, model_files

# The layout of a model repository carrying both weight formats (as DeepSeek-Coder's does).
MODEL = [
    ".gitattributes",
    "README.md",
    "LICENSE",
    "config.json",
    "generation_config.json",
    "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors",
    "model.safetensors.index.json",
    "pytorch_model-00001-of-00002.bin",
    "pytorch_model-00002-of-00002.bin",
    "pytorch_model.bin.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
]


def test_model_download_takes_safetensors_and_small_files_only():
    assert model_files(MODEL) == [
        "LICENSE",
        "config.json",
        "generation_config.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ]


def test_adapter_download_skips_training_leftovers_and_falls_back_to_bin():
    adapter = [
        "adapter_config.json",
        "adapter_model.bin",
        "training_args.bin",
        "optimizer.pt",
        "checkpoint-500/adapter_model.bin",
        "README.md",
    ]
    assert model_files(adapter) == ["adapter_config.json", "adapter_model.bin"]
    with pytest.raises(HubFilesError, match="no weights"):
        model_files(["config.json", "README.md"])


def test_dataset_download_takes_the_train_split():
    names = [
        "README.md",
        ".gitattributes",
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
        "data/test-00000-of-00001.parquet",
    ]
    assert dataset_files(names) == ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]
    assert dataset_files(["README.md", "megadiff.jsonl"]) == ["megadiff.jsonl"]


def test_rules_run_offline_unless_they_download(tmp_path, monkeypatch):
    import os

    from fimrepair.compute import OFFLINE_ENV
    from fimrepair.stages.common import logged

    for key in OFFLINE_ENV:  # set, then removed: restored to its real state after the test
        monkeypatch.setenv(key, "0")
        monkeypatch.delenv(key)
    with logged(tmp_path / "download.log", offline=False):
        assert all(key not in os.environ for key in OFFLINE_ENV)
    with logged(tmp_path / "job.log"):
        assert all(os.environ[key] == "1" for key in OFFLINE_ENV)
