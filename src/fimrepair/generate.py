"""Candidate generation: beam search with transformers, post-processed into full methods.

(vLLM is the faster GPU path for the 6.7B model and lives in the optional GPU extra; this
module is the reference path, used on CPU and GPU alike.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fimrepair.fim import Sentinels
from fimrepair.prompts import candidate_function, inference_prompt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecodingSpec:
    """``generation`` in the config."""

    num_beams: int = 10
    num_return_sequences: int = 10
    max_new_tokens: int = 256


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


def load_model(model_dir: Path, adapter_dir: Path | None, st: Sentinels, token_ids: Mapping[str, int] | None = None) -> tuple[Any, Any]:
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


def generate_for_bug(model: Any, tokenizer: Any, prompt: str, spec: DecodingSpec) -> list[str]:
    """``num_return_sequences`` decoded continuations of ``prompt`` by beam search, best first."""
    import torch

    encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=True).to(model.device)
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
    new_tokens = out[:, encoded["input_ids"].shape[1] :]
    return tokenizer.batch_decode(new_tokens, skip_special_tokens=False)


def generate_candidates(
    model: Any, tokenizer: Any, bugs: Sequence[dict[str, Any]], style: str, st: Sentinels, spec: DecodingSpec, model_name: str, progress: bool = True
) -> list[dict[str, Any]]:
    """One row per bug: ``{model, benchmark, bug_id, prompt, candidates: [{rank, middle, function}]}``."""
    from tqdm import tqdm

    rows = []
    for bug in tqdm(bugs, desc=f"generating {model_name}", disable=not progress, mininterval=2):
        prompt = inference_prompt(bug, style, st)
        outputs = generate_for_bug(model, tokenizer, prompt, spec)
        candidates = []
        for rank, raw in enumerate(outputs):
            middle = clean_middle(raw, st)
            candidates.append({"rank": rank, "middle": middle, "function": candidate_function(bug, middle)})
        rows.append({"model": model_name, "benchmark": bug["benchmark"], "bug_id": bug["bug_id"], "prompt": prompt, "candidates": candidates})
    return rows


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
