"""An on-disk cache of decided verdicts, so a rerun or a resumed run recomputes nothing.

Key: sha256 of (cache format, benchmark version of the bug, bug id, normalised candidate,
validator settings). Every part is something that can change a verdict:

- the benchmark version of a bug: the hash of its buggy class text, its test class text (the
  tests and their per-test ``@Test(timeout=...)`` limits) and the method span a candidate
  replaces (:func:`bug_version`);
- the normalised candidate (:func:`fimrepair.javasrc.normalize`: comments and layout do not
  count, whitespace inside literals does);
- the validator's ``verdict_settings()``: its engine and version (``ENGINE_VERSION``), the
  per-candidate limits, JVM (and javac) options, the Java level, the JDK, the jars and the
  sandbox level (:meth:`fimrepair.validate.Engine.verdict_settings`,
  :meth:`fimrepair.validate.FreshValidator.verdict_settings`). A verdict decided under a 2 s
  limit is never reused under a 30 s one.

Layout: ``<dir>/<key[:2]>/<key>.json``, one small JSON file per verdict, written atomically
(temporary file + rename) the moment the verdict is decided: a run killed at any point loses
nothing already decided, and concurrent runs (several models) may share one directory.
Stored timings are rounded (:data:`TIME_DIGITS`) so rows built from a stored record are
identical whether the record was just computed or read back.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fimrepair.bugs import Bug, test_source_path
from fimrepair.validate.verdict import Verdict

CACHE_FORMAT = "fimrepair-verdict-cache-2"
TIME_DIGITS = 4


def bug_version(benchmark_root: Path, bug: Bug) -> str:
    """Hash of the buggy class, the test class and the spliced span of ``bug``."""
    root = Path(benchmark_root)
    test_rel = test_source_path(bug)
    h = hashlib.sha256()
    for part in (
        (root / bug.buggy_class).read_bytes(),
        (root / test_rel).read_bytes(),
        f"{bug.buggy_class}:{bug.method_start}:{bug.method_end}:{bug.test_class}".encode(),
    ):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def cache_key(version: str, bug_id: str, normalised_candidate: str, settings: Mapping[str, Any]) -> str:
    """The key of one verdict (see the module doc); ``settings`` must be JSON-serialisable."""
    blob = json.dumps(
        [CACHE_FORMAT, version, bug_id, normalised_candidate, settings], ensure_ascii=True, sort_keys=True
    )
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def rounded(verdict: Verdict) -> Verdict:
    return Verdict(
        verdict.status,
        verdict.failing_test,
        verdict.message,
        round(verdict.compile_s, TIME_DIGITS),
        round(verdict.test_s, TIME_DIGITS),
    )


class VerdictCache:
    """One JSON file per decided verdict under ``root`` (see the module doc)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Verdict | None:
        try:
            record = json.loads(self._path(key).read_text(encoding="utf-8"))
            return Verdict.from_dict(record["verdict"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or unreadable (a torn file cannot exist: writes are renames)

    def put(self, key: str, verdict: Verdict, meta: dict[str, Any] | None = None) -> Verdict:
        """Store ``verdict`` (rounded) and return what was stored."""
        verdict = rounded(verdict)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"key": key, "verdict": verdict.to_dict(), **(meta or {})}
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh, ensure_ascii=True, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return verdict

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.json"))
