"""Reviewer bundles: everything downstream of generation in one archive, with checksums.

A finished run's generated candidates, fine-tuning loss curves and counts, recipe files, data
and recipe funnels, the per-bug results (for reviewers to read), the base model's ``REVISION`` (when it has one), the resolved configuration
and the environment's versions go into one ``.tar.gz`` whose ``MANIFEST.sha256`` lists every
other member's SHA-256. The archive is deterministic (sorted members, fixed times and owners),
so the same run gives the same bytes. A run started from the bundle (config ``reproduce.bundle``)
unpacks it, checks every checksum, and regenerates verdicts, tables, figures and the paper on a
CPU machine without any GPU stage.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import platform
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = "MANIFEST.sha256"
#: Packages whose versions the bundle records (the ones that can change a number).
PACKAGES = (
    "fimrepair",
    "torch",
    "transformers",
    "peft",
    "trl",
    "tokenizers",
    "datasets",
    "accelerate",
    "snakemake",
    "pandas",
    "seaborn",
    "matplotlib",
    "scipy",
    "statsmodels",
    "tree-sitter",
    "tree-sitter-java",
)


class BundleError(ValueError):
    """A bundle that is malformed or whose contents do not match their checksums."""


def environment() -> dict[str, Any]:
    """Python, platform, package and JDK versions of this machine."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    java = None
    if shutil.which("java"):
        proc = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
        java = (proc.stdout + proc.stderr).strip()
    return {"python": platform.python_version(), "platform": platform.platform(), "packages": versions, "java": java}


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info, io.BytesIO(data)


def make_bundle(
    files: Mapping[str, str | Path], out: str | Path, *, config: Mapping[str, Any], env: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Write the bundle ``out`` with ``files`` (name in the archive -> path) plus ``config.json``,
    ``environment.json`` and ``MANIFEST.sha256``; return name -> sha256."""
    contents: dict[str, bytes] = {}
    for name, path in files.items():
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or name == MANIFEST:
            raise BundleError(f"bad member name {name!r}")
        contents[name] = Path(path).read_bytes()
    contents["config.json"] = (json.dumps(config, indent=2, sort_keys=True, default=str) + "\n").encode()
    contents["environment.json"] = (
        json.dumps(dict(env if env is not None else environment()), indent=2, sort_keys=True) + "\n"
    ).encode()
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(contents.items())}
    contents[MANIFEST] = "".join(f"{digest}  {name}\n" for name, digest in sums.items()).encode()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(contents):
            tar.addfile(*_member(name, contents[name]))
    with open(out, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(raw.getvalue())
    return sums


def read_manifest(text: str) -> dict[str, str]:
    sums = {}
    for n, line in enumerate(text.splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise BundleError(f"{MANIFEST}:{n}: cannot read {line!r}")
        sums[name] = digest
    return sums


def unpack_bundle(archive: str | Path, out_dir: str | Path, sha256: str | None = None) -> dict[str, str]:
    """Unpack ``archive`` into ``out_dir`` after checking the archive's own ``sha256`` (if given)
    and every member against ``MANIFEST.sha256``; a missing, extra or altered member is an
    error naming it. Returns name -> sha256."""
    data = Path(archive).read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise BundleError(f"{archive}: sha256 {hashlib.sha256(data).hexdigest()} is not the configured {sha256}")
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for info in tar.getmembers():
            pure = PurePosixPath(info.name)
            if not info.isfile() or pure.is_absolute() or ".." in pure.parts:
                raise BundleError(f"{archive}: unexpected member {info.name!r}")
            fh = tar.extractfile(info)
            assert fh is not None
            members[info.name] = fh.read()
    if MANIFEST not in members:
        raise BundleError(f"{archive}: no {MANIFEST}")
    sums = read_manifest(members.pop(MANIFEST).decode())
    if set(sums) != set(members):
        raise BundleError(f"{archive}: members {sorted(set(members) ^ set(sums))} are not (or only) in {MANIFEST}")
    for name, digest in sums.items():
        if hashlib.sha256(members[name]).hexdigest() != digest:
            raise BundleError(f"{archive}: {name} does not match its checksum in {MANIFEST}")
    out = Path(out_dir)
    for name, payload in members.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(payload)
    return sums


def config_differences(
    bundled: Mapping[str, Any], current: Mapping[str, Any], ignore: Iterable[str] = ("reproduce",)
) -> list[str]:
    """Top-level configuration keys whose values differ between the bundle's run and this one
    (JSON-normalised), ``ignore`` aside."""
    skip = set(ignore)
    norm = lambda c: json.loads(json.dumps(c, sort_keys=True, default=str))  # noqa: E731
    a, b = norm(bundled), norm(current)
    return sorted(k for k in set(a) | set(b) if k not in skip and a.get(k) != b.get(k))
