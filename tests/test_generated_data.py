"""The generated tiny data and benchmark are pinned by hash: moving the corpus and the bug
table out of the code into package resources (src/fimrepair/data/) left them byte-identical,
and any later edit to a resource, an injector or the benchmark writer shows up here.

The hashes were computed from the code before the move (issue 13). A deliberate change to the
generated data updates them in the same commit, saying why."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fimrepair.synthetic import CORPUS, CORPUS_RESOURCE, generate_megadiff_rows
from fimrepair.tinybench import TINY_BUGS, write_tiny_benchmark

ROWS_SHA256 = {
    # (n_rows, seed): sha256 of json.dumps(rows, sort_keys=True)
    (1500, 42): "db397d497aa24368c10f5bad6b37637c78a10daee27c29911083266e23be316e",  # config.tiny.yaml
    (1400, 42): "c858d8f2315f77204074606f605711c62cd8f0912a8b0114b847f54398280531",  # config.smoke.yaml
    (300, 7): "a66aab16416e87feb4b7f9090e6a4c122223bf4f31e47012c7a2fe45a93112ed",  # tests' tiny model
}
CORPUS_SHA256 = "68f138b9d012fdfba9b9b036f5bd8115be6cf1c07ff366fb3225b725c9a159b7"
TINY_BENCHMARK_SHA256 = "9ea476753f90dbdd131e623a6551c213e7c674fa140e2e7199970aaa5482d4da"


def tree_sha256(root: Path) -> str:
    """sha256 over every file's relative path and content hash, in sorted order."""
    h = hashlib.sha256()
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        h.update(str(p.relative_to(root)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).hexdigest().encode() + b"\n")
    return h.hexdigest()


@pytest.mark.parametrize("n_rows, seed", sorted(ROWS_SHA256))
def test_synthetic_rows_are_unchanged(n_rows: int, seed: int) -> None:
    rows = generate_megadiff_rows(n_rows, seed)
    assert hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest() == ROWS_SHA256[(n_rows, seed)]


def test_corpus_is_unchanged() -> None:
    assert len(CORPUS) > 40
    assert hashlib.sha256("".join(CORPUS).encode()).hexdigest() == CORPUS_SHA256


def test_tiny_benchmark_files_are_unchanged(tmp_path: Path) -> None:
    ids = write_tiny_benchmark(tmp_path)
    assert ids == sorted(TINY_BUGS) and len(ids) == 12
    assert tree_sha256(tmp_path) == TINY_BENCHMARK_SHA256


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs javac on PATH")
def test_corpus_resource_is_a_java_class_that_compiles(tmp_path: Path) -> None:
    from importlib import resources

    source = tmp_path / CORPUS_RESOURCE
    source.write_text(resources.files("fimrepair").joinpath("data", CORPUS_RESOURCE).read_text(encoding="utf-8"))
    done = subprocess.run(["javac", "-d", str(tmp_path), str(source)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
