"""What every stage's entry point shares: the log of a step (logging, warnings, stdout and
stderr into the rule's log) and the downloads of the hub and of URLs.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("fimrepair")


@contextlib.contextmanager
def logged(log_path: str | Path, threads: int = 1, offline: bool = True) -> Iterator[None]:
    """Send logging, warnings, stdout and stderr (tqdm progress included) to ``log_path``.

    ``threads`` caps the math libraries (torch reads OMP_NUM_THREADS when it is imported, which
    happens inside the step); a value already in the environment wins. ``offline`` (every rule
    but the downloads, which run on the submit host) sets the hub libraries' offline variables:
    a job on a compute node without internet uses only what the download rules fetched.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, threads)))
    if offline:
        from fimrepair.compute import go_offline

        go_offline()
    with open(log_path, "w", encoding="utf-8", buffering=1) as fh:
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        logging.captureWarnings(True)
        try:
            with contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
                yield
        except BaseException:
            logging.getLogger("fimrepair").exception("step failed")
            raise
        finally:
            from fimrepair.compute import release_gpus

            release_gpus()  # a GPU job's slot, logged while the log is still attached
            root.removeHandler(handler)


def download_hub(out_dir: str | Path, *, repo_id: str, revision: str, repo_type: str = "model") -> None:
    """Download the files the pipeline reads (:mod:`fimrepair.hub`) of a hub repository at
    ``revision``, and record the commit it resolved to."""
    from huggingface_hub import HfApi, snapshot_download

    from fimrepair.hub import dataset_files, model_files

    api = HfApi()
    info = api.repo_info(repo_id, revision=revision, repo_type=repo_type)
    names = api.list_repo_files(repo_id, revision=info.sha, repo_type=repo_type)
    wanted = dataset_files(names) if repo_type == "dataset" else model_files(names)
    log.info("%s@%s: fetching %d of %d files: %s", repo_id, info.sha, len(wanted), len(names), ", ".join(wanted))
    snapshot_download(repo_id, revision=info.sha, repo_type=repo_type, local_dir=str(out_dir), allow_patterns=wanted)
    Path(out_dir, "REVISION").write_text(f"{repo_id}@{info.sha}\n")
    log.info("%s@%s resolved to %s", repo_id, revision, info.sha)


def download_url(out: str | Path, url: str) -> None:
    """Fetch ``url`` to ``out`` and record where it came from (``<out>.source``: the URL and
    the sha256 of what was fetched)."""
    log.info("downloading %s", url)
    with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310 - configured URL
        payload = response.read()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(payload)
    Path(str(out) + ".source").write_text(f"{url}\nsha256 {hashlib.sha256(payload).hexdigest()}\n")
