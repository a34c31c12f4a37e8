"""Training examples (prompt/completion pairs) and inference prompts.

Recipes (training):
- ``nofim``: RepairLLaMA's IR4 x OR2. Prompt = IR4 (buggy lines commented out above
  ``<FILL_ME>``), completion = the fixed lines.
- ``fim``: the same example in FIM layout. Prefix = IR4 up to the hole line (the function
  before the region and the commented buggy lines), suffix = the function after the region,
  middle = the fixed lines (OR2: whole lines, indentation included, so the hole line's
  indentation is not in the prefix). Per example, seeded: PSM, SPM or plain text (see
  :mod:`fimrepair.fim`); plain = prompt IR4-prefix, completion middle + suffix.

- ``ir4_psm``: the reproduction of RepairLLaMA's DeepSeek-Coder LoRA run: IR4 with
  ``<FILL_ME>`` replaced by the hole sentinel and wrapped in PSM, on every example (FIM rate
  1.0); completion = OR2 (+ EOS). The hole line's indentation stays in the prefix and its
  newline starts the suffix, exactly as in that run, so the prompt is byte-for-byte
  RepairLLaMA's IR4 prompt around the sentinel.

Prompt styles (inference; the completion is the new middle, ended by EOS):
- ``ir4``: the IR4 text (for ``nofim`` models).
- ``fim_ir4``: PSM of the IR4 prefix and suffix (for FIM models; DeepSeek infers in PSM).
- ``fim_ir3``: PSM of the bare prefix and suffix, no buggy lines (zero-shot base model).
- ``ir4_psm``: the ``ir4_psm`` recipe's prompt (the reproduction arm).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fimrepair.fim import Mode, Sentinels, choose_mode, fim_example, psm_prompt
from fimrepair.region import Split
from fimrepair.representations import hole_line, ir4, ir4_prefix, or2

PROMPT_STYLES = ("ir4", "fim_ir4", "fim_ir3", "ir4_psm")
RECIPE_KINDS = ("nofim", "fim", "ir4_psm")


def split_of(row: Mapping[str, Any]) -> Split:
    """The :class:`Split` stored in a record (an Example or a Bug as a dict)."""
    return Split.from_dict(row)


def ir4_psm_prompt(s: Split, st: Sentinels) -> str:
    """RepairLLaMA's DeepSeek-Coder layout: IR4 with ``<FILL_ME>`` replaced by the hole
    sentinel, in PSM (see the module docstring)."""
    before = ir4_prefix(s) + s.hole
    after = hole_line(s)[len(s.hole) + len("<FILL_ME>") :] + s.suffix
    return psm_prompt(before, after, st)


def training_pair(
    row: Mapping[str, Any], kind: str, st: Sentinels, *, seed: int, fim_rate: float = 0.0, spm_rate: float = 0.0
) -> dict[str, str]:
    """The training pair of one example: ``{"prompt", "completion", "mode"}``."""
    s = split_of(row)
    if kind == "nofim":
        return {"prompt": ir4(s), "completion": or2(s), "mode": "ir4"}
    if kind == "fim":
        mode = choose_mode(seed, str(row["row_id"]), fim_rate, spm_rate)
        prompt, completion = fim_example(ir4_prefix(s), s.fixed_chunk, s.suffix, mode, st)
        return {"prompt": prompt, "completion": completion, "mode": mode.value}
    if kind == "ir4_psm":
        return {"prompt": ir4_psm_prompt(s, st), "completion": or2(s), "mode": Mode.PSM.value}
    raise ValueError(f"unknown recipe kind {kind!r}; known: {RECIPE_KINDS}")


def inference_prompt(row: Mapping[str, Any], style: str, st: Sentinels) -> str:
    """The prompt for one benchmark bug in ``style``."""
    s = split_of(row)
    if style == "ir4":
        return ir4(s)
    if style == "fim_ir4":
        return psm_prompt(ir4_prefix(s), s.suffix, st)
    if style == "fim_ir3":
        return psm_prompt(s.prefix, s.suffix, st)
    if style == "ir4_psm":
        return ir4_psm_prompt(s, st)
    raise ValueError(f"unknown prompt style {style!r}; known: {PROMPT_STYLES}")


def candidate_function(row: Mapping[str, Any], middle: str) -> str:
    """The full candidate method: the bug's function with ``middle`` in place of its region."""
    return split_of(row).with_middle(middle)


def pair_lengths(tokenizer: Any, prompts: list[str], completions: list[str], batch: int = 1024) -> list[int]:
    """Token counts of :func:`tokenize_pair` (prompt with BOS + completion + EOS), batched."""
    if len(prompts) != len(completions):
        raise ValueError("prompts and completions differ in number")
    out: list[int] = []
    for start in range(0, len(prompts), batch):
        p = tokenizer(prompts[start : start + batch], add_special_tokens=True)["input_ids"]
        c = tokenizer(completions[start : start + batch], add_special_tokens=False)["input_ids"]
        out.extend(len(a) + len(b) + 1 for a, b in zip(p, c, strict=True))
    return out


def tokenize_pair(tokenizer: Any, prompt: str, completion: str) -> tuple[list[int], list[int]]:
    """Token ids of the prompt (with BOS, as at inference) and of the completion + EOS.

    The parts are tokenised SEPARATELY, exactly as the model sees them: at inference the
    prompt is tokenised alone and the model emits the completion's tokens after it. Tokenising
    the joined text could merge tokens across the seam and train on a context the model never
    sees.
    """
    prompt_ids = tokenizer(prompt, add_special_tokens=True)["input_ids"]
    completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return list(prompt_ids), list(completion_ids)


__all__ = [
    "Mode",
    "PROMPT_STYLES",
    "RECIPE_KINDS",
    "candidate_function",
    "inference_prompt",
    "ir4_psm_prompt",
    "pair_lengths",
    "split_of",
    "tokenize_pair",
    "training_pair",
]
