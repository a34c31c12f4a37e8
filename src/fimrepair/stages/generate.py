"""Stage 6, candidates (workflow/rules/generate.smk): beam search of each model on each
benchmark, the reference patches, and published patch sets turned into candidates.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from fimrepair.io import read_jsonl, write_jsonl
from fimrepair.stages.common import download_url

log = logging.getLogger("fimrepair")


def generate(
    model_dir: str | Path,
    adapter_dir: str | Path | None,
    bugs_jsonl: str | Path,
    out: str | Path,
    *,
    model_name: str,
    prompt_style: str,
    sentinels: str,
    decoding: Mapping[str, int],
    seed: int,
    token_ids: Mapping[str, int] | None = None,
    allow_cpu: bool = False,
) -> None:
    """Candidates of every bug on the GPU (the CPU only with ``allow_cpu``). Finished bugs go
    to ``<out>.partial`` at once; a rerun resumes from it, and it is removed at the end."""
    from fimrepair.compute import acquire_gpus, require_device

    acquire_gpus(1, f"generate {model_name}")  # one machine: this job's own GPU (before torch)
    require_device(allow_cpu, f"generate {model_name}")
    import torch

    from fimrepair.config import GenerationSpec
    from fimrepair.fim import sentinels as get_sentinels
    from fimrepair.generate import generate_candidates, load_model
    from fimrepair.io import ResumableJsonl, dir_identity

    identity = {
        "model_name": model_name,
        "prompt_style": prompt_style,
        "sentinels": sentinels,
        "decoding": dict(decoding),
        "seed": seed,
        "base_model": dir_identity(model_dir),
        "adapter": dir_identity(adapter_dir, hash_all=True) if adapter_dir else None,
    }
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    partial_path = Path(str(out) + ".partial")
    partial = ResumableJsonl(partial_path, fingerprint)
    if partial.discarded:
        log.warning("generate %s: discarded %s (%s)", model_name, partial_path, partial.discarded)
    try:
        torch.manual_seed(seed)
        st = get_sentinels(sentinels)
        model, tokenizer = load_model(Path(model_dir), Path(adapter_dir) if adapter_dir else None, st, token_ids)
        rows = generate_candidates(
            model,
            tokenizer,
            read_jsonl(bugs_jsonl),
            prompt_style,
            st,
            GenerationSpec.from_section(decoding),
            model_name,
            partial=partial,
        )
    finally:
        partial.close()
    write_jsonl(out, rows)
    partial_path.unlink()


def generate_skipped(out: str | Path, *, model_name: str, reason: str) -> None:
    """The note of a model that is planned but not generated (``models.<name>.skip``)."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(f"{model_name}: not evaluated in this configuration: {reason}\n", encoding="utf-8")
    log.info("%s skipped: %s", model_name, reason)


def generate_reference(bugs_jsonl: str | Path, out: str | Path, *, model_name: str) -> None:
    from fimrepair.generate import reference_candidates

    write_jsonl(out, reference_candidates(read_jsonl(bugs_jsonl), model_name))


def published_download(out: str | Path, url: str) -> None:
    """A published patch file, from its pinned URL."""
    download_url(out, url)


def published_tiny(bugs_jsonl: str | Path, out: str | Path) -> None:
    """A small published patch file in RepairLLaMA's format for the tiny configuration, made
    from the benchmark's own bugs (:func:`fimrepair.published.tiny_published_rows`)."""
    from fimrepair.published import tiny_published_rows

    write_jsonl(out, tiny_published_rows(read_jsonl(bugs_jsonl)))


def published_candidates(published: str | Path, out: str | Path, *, system: str, benchmark: str) -> None:
    """A published patch file to the candidates format (the authors' verdicts kept)."""
    from fimrepair.published import convert

    rows = convert(read_jsonl(published), system, benchmark, where=str(published))
    write_jsonl(out, rows)
    log.info(
        "%s: %d bugs, %d candidates from %s", system, len(rows), sum(len(r["candidates"]) for r in rows), published
    )
