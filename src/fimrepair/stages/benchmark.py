"""Stage 2, the benchmarks (workflow/rules/benchmark.smk): HumanEval-Java, QuixBugs or the tiny
benchmark, as one bugs.jsonl per benchmark.
"""

from __future__ import annotations

import io as _io
import json
import logging
import shutil
import tarfile
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from fimrepair.io import write_jsonl, write_tsv

log = logging.getLogger("fimrepair")


def benchmark_tiny(out_dir: str | Path) -> None:
    from fimrepair.tinybench import write_tiny_benchmark

    ids = write_tiny_benchmark(Path(out_dir))
    log.info("wrote the tiny benchmark (%d bugs) to %s", len(ids), out_dir)


def benchmark_download(out_dir: str | Path, repo: str, commit: str) -> None:
    """Fetch ``repo`` at ``commit`` from GitHub as a tarball and unpack it into ``out_dir``."""
    url = f"https://codeload.github.com/{repo}/tar.gz/{commit}"
    log.info("downloading %s", url)
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - fixed https host
        payload = response.read()
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=_io.BytesIO(payload), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        (top,) = list(Path(tmp).iterdir())
        shutil.move(str(top), str(out_dir))
    Path(out_dir, "REVISION").write_text(f"{repo}@{commit}\n")


def benchmark_bugs(
    root: str | Path,
    out: str | Path,
    *,
    name: str,
    include: Sequence[str] | None,
    exclude: Sequence[str],
    out_crosscheck: str | Path | None = None,
    remove_blank_lines: bool = False,
    kind: str = "humaneval-java",
    out_settings: str | Path | None = None,
    java_level: int | str | None = "declared",
) -> None:
    """Bug records of the configured subset, the cross-check against the benchmark's own
    metadata where it has any, and its settings (``settings.json``: the Java level candidates
    compile at, declared and used, the validation heap and the tests' own timeout)."""
    from fimrepair.benchmarks import open_benchmark

    bench = open_benchmark(kind, Path(root), name)
    bugs = bench.extract_bugs(include, exclude, remove_blank_lines=remove_blank_lines)
    write_jsonl(out, (b.to_dict() for b in bugs))
    if out_crosscheck is not None:
        rows = bench.crosscheck(bugs)
        write_tsv(out_crosscheck, rows, columns=["bug_id", "check", "status", "detail"])
        unexpected = [r for r in rows if r["status"] == "unexpected"]
        log.info(
            "%s: cross-check %d rows, %d known upstream errors, %d unexpected",
            name,
            len(rows),
            sum(r["status"] == "known-upstream-error" for r in rows),
            len(unexpected),
        )
    if out_settings is not None:
        settings = {
            "benchmark": name,
            "kind": kind,
            "bugs": len(bugs),
            "java_level": bench.java_level(java_level),
            "java_level_setting": java_level,
            "declared_java_level": bench.declared_java_level(),
            "heap_mb": bench.heap_mb,
            "test_timeout_ms": bench.test_timeout_ms,
        }
        Path(out_settings).write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("%s: %d bugs extracted from %s", name, len(bugs), root)
