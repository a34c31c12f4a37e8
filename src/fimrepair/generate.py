"""Candidate generation: beam search with transformers, post-processed into full methods.

transformers ``generate`` is the one generation path, on CPU and GPU alike (vLLM is not used).

Bugs are generated in fixed batches (sorted by prompt length, left-padded; ``batch_size`` 1 =
one bug per call). The batches depend only on the bug list, never on what a previous run
finished, so a resumed run computes exactly what an uninterrupted one does: each finished
bug is appended at once to a partial file (:class:`fimrepair.io.ResumableJsonl`), and a rerun
skips the batches whose bugs are all there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrepair.config import GenerationSpec
from fimrepair.fim import Sentinels
from fimrepair.io import ResumableJsonl
from fimrepair.prompts import candidate_function, inference_prompt

log = logging.getLogger(__name__)


def clean_middle(text: str, st: Sentinels) -> str:
    """The generated middle: cut at EOS or at any sentinel (the FIM tokens are not "special"
    in DeepSeek's tokenizer, so decoding does not strip them), newline-terminated."""
    cut = len(text)
    for marker in (st.eos, st.prefix, st.suffix, st.middle, st.bos):
        at = text.find(marker)
        if at != -1:
            cut = min(cut, at)
    middle = text[:cut].replace(st.pad, "")
    if middle and not middle.endswith("\n"):
        middle += "\n"
    return middle


def load_model(
    model_dir: Path, adapter_dir: Path | None, st: Sentinels, token_ids: Mapping[str, int] | None = None
) -> tuple[Any, Any]:
    """The base model (with its LoRA adapter, when given) and its tokenizer (loaded and checked
    by :func:`fimrepair.tokenizer.load_tokenizer`), in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    from fimrepair.tokenizer import load_tokenizer

    dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32
    tokenizer = load_tokenizer(model_dir, st, token_ids)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter_dir)
    if torch.cuda.is_available():
        model = model.to("cuda")
    model.eval()
    return model, tokenizer


def generate_for_bug(model: Any, tokenizer: Any, prompt: str, spec: GenerationSpec) -> list[str]:
    """``num_return_sequences`` decoded continuations of ``prompt`` by beam search, best first."""
    return generate_batch(model, tokenizer, [prompt], spec)[0]


def generate_batch(model: Any, tokenizer: Any, prompts: Sequence[str], spec: GenerationSpec) -> list[list[str]]:
    """Beam search for several prompts in one call (left-padded): per prompt, its
    ``num_return_sequences`` decoded continuations, best first."""
    import torch

    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        encoded = tokenizer(list(prompts), return_tensors="pt", add_special_tokens=True, padding=True).to(model.device)
    finally:
        tokenizer.padding_side = side
    with torch.no_grad():
        out = model.generate(
            **encoded,
            do_sample=False,
            num_beams=spec.num_beams,
            num_return_sequences=spec.num_return_sequences,
            max_new_tokens=spec.max_new_tokens,
            early_stopping=True,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    texts = tokenizer.batch_decode(out[:, encoded["input_ids"].shape[1] :], skip_special_tokens=False)
    n = spec.num_return_sequences
    return [texts[i * n : (i + 1) * n] for i in range(len(prompts))]


def batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of prompts of similar length (little padding): sorted by
    (length, index), cut every ``batch_size``. A function of the lengths alone."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), max(1, batch_size))]


def generate_candidates(
    model: Any,
    tokenizer: Any,
    bugs: Sequence[dict[str, Any]],
    style: str,
    st: Sentinels,
    spec: GenerationSpec,
    model_name: str,
    progress: bool = True,
    partial: ResumableJsonl | None = None,
) -> list[dict[str, Any]]:
    """One row per bug, in the bugs' order: ``{model, benchmark, bug_id, prompt, candidates:
    [{rank, middle, function}]}``. With ``partial``, its rows whose prompt is still the bug's
    prompt are kept, and each new row is appended to it as soon as its batch is done."""
    from tqdm import tqdm

    prompts = [inference_prompt(bug, style, st) for bug in bugs]
    done: dict[tuple[str, str], dict[str, Any]] = {}
    for row in partial.rows if partial is not None else []:
        done[(row["benchmark"], row["bug_id"])] = row
    keys = [(bug["benchmark"], bug["bug_id"]) for bug in bugs]
    finished = [keys[i] in done and done[keys[i]]["prompt"] == prompts[i] for i in range(len(bugs))]
    if any(finished):
        log.info(
            "generate %s: %d of %d bugs already finished in %s; skipping them",
            model_name,
            sum(finished),
            len(bugs),
            partial.path if partial else "",
        )
    lengths = [len(tokenizer(p, add_special_tokens=True)["input_ids"]) for p in prompts]
    rows: dict[int, dict[str, Any]] = {i: done[keys[i]] for i in range(len(bugs)) if finished[i]}
    with tqdm(
        total=len(bugs), initial=len(rows), desc=f"generating {model_name}", disable=not progress, mininterval=2
    ) as bar:
        for batch in batches(lengths, spec.batch_size):
            if all(finished[i] for i in batch):
                continue
            outputs = generate_batch(model, tokenizer, [prompts[i] for i in batch], spec)
            for i, raw_outputs in zip(batch, outputs, strict=True):
                if finished[i]:
                    continue
                bug = bugs[i]
                candidates = []
                for rank, raw in enumerate(raw_outputs):
                    middle = clean_middle(raw, st)
                    candidates.append({"rank": rank, "middle": middle, "function": candidate_function(bug, middle)})
                rows[i] = {
                    "model": model_name,
                    "benchmark": bug["benchmark"],
                    "bug_id": bug["bug_id"],
                    "prompt": prompts[i],
                    "candidates": candidates,
                }
                if partial is not None:
                    partial.append(rows[i])
                bar.update(1)
    return [rows[i] for i in range(len(bugs))]


def reference_candidates(bugs: Sequence[dict[str, Any]], model_name: str) -> list[dict[str, Any]]:
    """The two reference "models": ``oracle`` (the fixed method) and ``identity`` (the buggy
    method unchanged). They must come out 100% and 0% plausible."""
    field = {"oracle": "fixed_chunk", "identity": "buggy_chunk"}.get(model_name)
    if field is None:
        raise ValueError(f"unknown reference model {model_name!r} (oracle or identity)")
    return [
        {
            "model": model_name,
            "benchmark": bug["benchmark"],
            "bug_id": bug["bug_id"],
            "prompt": "",
            "candidates": [{"rank": 0, "middle": bug[field], "function": candidate_function(bug, bug[field])}],
        }
        for bug in bugs
    ]
