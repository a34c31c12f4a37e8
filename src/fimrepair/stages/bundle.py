"""Results bundles (workflow/rules/bundle.smk): pack a run's results for reviewers, fetch and
unpack one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fimrepair.stages.common import download_url

log = logging.getLogger("fimrepair")


def bundle_fetch(out: str | Path, url: str) -> None:
    """A reviewer bundle, from the URL ``reproduce.bundle``."""
    download_url(out, url)


def bundle_make(
    members: Mapping[str, str | Path], model_dir: str | Path, out: str | Path, *, config: Mapping[str, Any]
) -> None:
    """The reviewer bundle (:mod:`fimrepair.bundle`): ``members`` (name -> file of this run),
    the base model's ``REVISION`` (or what the analysis says without one), the configuration
    and the environment."""
    from fimrepair.bundle import make_bundle

    revision = Path(model_dir, "REVISION")
    with tempfile.TemporaryDirectory() as tmp:
        rev = Path(tmp) / "REVISION"
        rev.write_text(revision.read_text() if revision.is_file() else "tiny offline model\n")
        sums = make_bundle(
            {**{k: Path(v) for k, v in members.items()}, "model/REVISION": rev}, out, config=dict(config)
        )
    log.info("bundle %s: %d files, sha256 %s", out, len(sums), hashlib.sha256(Path(out).read_bytes()).hexdigest())


def bundle_unpack(
    archive: str | Path, out_dir: str | Path, *, config: Mapping[str, Any], sha256: str | None = None
) -> None:
    """Unpack and check a reviewer bundle; its run's configuration must equal this one (the
    ``reproduce`` key aside), else the error names the keys that differ."""
    from fimrepair.bundle import BundleError, config_differences, unpack_bundle

    sums = unpack_bundle(archive, out_dir, sha256=sha256)
    bundled = json.loads(Path(out_dir, "config.json").read_text())
    differ = config_differences(bundled, config)
    if differ:
        raise BundleError(
            f"{archive} was made with another configuration: keys {', '.join(differ)} differ (run with the bundled run's configuration files)"
        )
    env = json.loads(Path(out_dir, "environment.json").read_text())
    log.info(
        "bundle %s: %d files checked; made with Python %s, %s",
        archive,
        len(sums),
        env.get("python"),
        env.get("packages"),
    )
