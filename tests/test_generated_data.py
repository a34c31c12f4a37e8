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
    (1500, 42): "db397d497aa24368c10f5bad6b37637c78a10daee27c29911083266e23be316e",  # config.tiny.yaml before issue 12
    (1400, 42): "c858d8f2315f77204074606f605711c62cd8f0912a8b0114b847f54398280531",  # config.smoke.yaml
    (300, 7): "a66aab16416e87feb4b7f9090e6a4c122223bf4f31e47012c7a2fe45a93112ed",  # tests' tiny model
}
CORPUS_SHA256 = "68f138b9d012fdfba9b9b036f5bd8115be6cf1c07ff366fb3225b725c9a159b7"
# the whole tree: changes when bugs are added (issue 12 added the 28 injected-fault bugs, 40 in all)
TINY_BENCHMARK_SHA256 = "575d943dcd7fe52cdf183860662ed04c48091094391dc0462bb18393c5986f8e"
HAND_WRITTEN_BUG_SHA256 = {
    # per bug: its buggy, correct and test class, its loc line and its humaneval-java-sf.json entry
    "BOXES_NEEDED": "c22aca8c161fc173543a92bd829cfd4334d0f39eb778dca741a78c2b1f2f3b88",
    "CELSIUS_TO_FAHRENHEIT": "f5f8785ca03347ebe85e6c7729ebb34b2596733f58703488efb7fbd779a844b4",
    "CLOCK_HAND_ANGLE": "14e049c255d0075bf3d8c3ba92dcdc070f57e6488e89a3c94012a429f9de3ab1",
    "ELEVATOR_TRIPS": "aabb7a575bced4194431b78e6e3aeee676a63ff13d2c1c4c841e4296f2df344c",
    "GRADE_LETTER": "a15b156d610afb22f72252fdae54f2a9c64cbc857164bdfbc08f40e01d22422a",
    "LEAP_YEAR": "f3f841da02ade1aacfa1e0b84ec0e93d5872f4461a1f170a2e18adcecf557123",
    "LUHN_CHECK": "863dafcc64deb61ee1c8cd4c61587c788b80cbbe0af032501504d130925826e4",
    "PARKING_FEE": "ef80b7a20fc4a6405d0532556504f6ad00d61874a5baee75dfc1b0d9431d1e4a",
    "SPEED_FINE": "1c7aeca2e6b59139acfadbe15b2b80a1f06c88c94052de0913a555bc2c4b60ba",
    "SUM_OF_SQUARES": "d58b427fcf081e4ec9ed6a306619d9b5c288c09608dfec6fb9bfdf43c6c0df63",
    "TRIANGLE_KIND": "d124001637dbeee3927c9db9dd097af6bb732d25f2e0a23137b865330ad64d5e",
    "YEARS_TO_DOUBLE": "705e2809563a89f3999cff06a5360011d69e286fad70bc05984527b133173077",
}


def tree_sha256(root: Path) -> str:
    """sha256 over every file's relative path and content hash, in sorted order."""
    h = hashlib.sha256()
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        h.update(
            str(p.relative_to(root)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).hexdigest().encode() + b"\n"
        )
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
    assert ids == sorted(TINY_BUGS) and len(ids) == 40
    assert tree_sha256(tmp_path) == TINY_BENCHMARK_SHA256


def test_hand_written_bugs_are_unchanged(tmp_path: Path) -> None:
    """Each of the twelve hand-written bugs on its own (bugs added beside them leave this as it is)."""
    write_tiny_benchmark(tmp_path)
    java = tmp_path / "src/main/java/humaneval"
    loc = dict(line.split(" ", 1) for line in (java / "humaneval_loc.txt").read_text().splitlines())
    sf = json.loads((tmp_path / "humaneval-java-sf.json").read_text())
    for bug, want in HAND_WRITTEN_BUG_SHA256.items():
        h = hashlib.sha256()
        for p in (
            java / "buggy" / f"{bug}.java",
            java / "correct" / f"{bug}.java",
            tmp_path / "src/test/java/humaneval" / f"TEST_{bug}.java",
        ):
            h.update(p.read_bytes() + b"\0")
        h.update(loc[bug].encode() + b"\0" + json.dumps(sf[bug], sort_keys=True).encode())
        assert h.hexdigest() == want, bug


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs javac on PATH")
def test_corpus_resource_is_a_java_class_that_compiles(tmp_path: Path) -> None:
    from importlib import resources

    source = tmp_path / CORPUS_RESOURCE
    source.write_text(resources.files("fimrepair").joinpath("data", CORPUS_RESOURCE).read_text(encoding="utf-8"))
    done = subprocess.run(["javac", "-d", str(tmp_path), str(source)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
