"""Reviewer bundles (fimrepair.bundle): deterministic bytes, checksums that catch any change,
and the configuration check. The tiny run bundled and reproduced: tests/test_workflow_e2e.py."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from fimrepair.bundle import MANIFEST, BundleError, config_differences, make_bundle, unpack_bundle

ENV = {"python": "3.11", "packages": {}}


def _files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "a.jsonl").write_text('{"x": 1}\n')
    (tmp_path / "loss.tsv").write_text("step\tloss\n1\t0.5\n")
    return {"candidates/b/m/candidates.jsonl": tmp_path / "a.jsonl", "finetune/r/loss.tsv": tmp_path / "loss.tsv"}


def test_a_bundle_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    files = _files(tmp_path)
    a, b = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    sums = make_bundle(files, a, config={"name": "t"}, env=ENV)
    make_bundle(files, b, config={"name": "t"}, env=ENV)
    assert a.read_bytes() == b.read_bytes()
    assert set(sums) == {*files, "config.json", "environment.json"}
    assert unpack_bundle(a, tmp_path / "out") == sums
    assert (tmp_path / "out/finetune/r/loss.tsv").read_text() == files["finetune/r/loss.tsv"].read_text()
    with pytest.raises(BundleError, match="is not the configured"):
        unpack_bundle(a, tmp_path / "out2", sha256="0" * 64)


def _rewrite(src: Path, dst: Path, change) -> None:
    with tarfile.open(src, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    change(members)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    dst.write_bytes(gzip.compress(raw.getvalue()))


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda m: m.update({"finetune/r/loss.tsv": b"step\tloss\n1\t0.1\n"}), "loss.tsv does not match its checksum"),
        (lambda m: m.update({"extra.txt": b"x"}), r"members \['extra.txt'\]"),
        (lambda m: m.pop(MANIFEST), "no MANIFEST"),
    ],
)
def test_a_changed_bundle_is_refused(tmp_path: Path, change, match: str) -> None:
    good = tmp_path / "good.tar.gz"
    make_bundle(_files(tmp_path), good, config={}, env=ENV)
    bad = tmp_path / "bad.tar.gz"
    _rewrite(good, bad, change)
    with pytest.raises(BundleError, match=match):
        unpack_bundle(bad, tmp_path / "out")


def test_config_differences_ignore_the_reproduce_key() -> None:
    run = {"name": "tiny", "seed": 42, "reproduce": {"bundle": None}}
    assert config_differences(run, {**run, "reproduce": {"bundle": "x.tar.gz"}}) == []
    assert config_differences(run, {**run, "seed": 1}) == ["seed"]
