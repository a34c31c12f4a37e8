"""Fill-in-the-middle (FIM) layouts and the FIM transform of repair examples.

Sentinel strings are per tokenizer family, chosen by configuration (``sentinels:`` in the
config), never guessed from a model's name. The middle is the buggy region given by fault
localisation, not a random span (Bavarian et al. 2022 pick it at random).

Layouts (``P``/``S``/``M`` = prefix/suffix/middle sentinels, ``p``/``s``/``m`` = texts)::

    PSM: P p S s M  -> m        (prompt ends with the middle sentinel)
    SPM: P S s M p  -> m        (DeepSeek-Coder / bigcode "SPM" variant)
    plain:        p -> m s      (untransformed, left-to-right)

The transform (Bavarian et al. 2022; bigcode tooling): with probability ``fim_rate`` an
example is transformed, of those ``spm_rate`` into SPM and the rest into PSM; the rest stays
plain. The draws are hashes of (seed, row id), so the transform is a pure per-example
function, reproducible and independent of the data's order.

The plain text is the IR4 prefix followed by the fixed lines and the rest of the function,
read left to right, with no sentinels: prompt = the prefix, completion = middle + suffix. The
loss applies to the completion (+ EOS) only, as for PSM/SPM, whose completion is the middle.
Each example is one sequence (no packing across examples), so every sequence starts with its
own FIM header.

Seams: the parts are tokenised separately (:func:`fimrepair.prompts.tokenize_pair`), as at
inference. A PSM prompt ends with a sentinel, which is one token, so its seam equals the joint
tokenisation. SPM and plain prompts end with code (the prefix, ending in a newline), where a
merge across the seam is possible; the separate tokenisation is the one trained on, and
tests/test_fim_prompts.py measures how often it differs from the joint one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum


class Mode(str, Enum):
    PSM = "psm"
    SPM = "spm"
    PLAIN = "plain"


@dataclass(frozen=True)
class Sentinels:
    """The FIM and sequence special strings of one tokenizer family."""

    prefix: str
    suffix: str
    middle: str
    bos: str
    eos: str
    pad: str
    # CodeLlama puts a space after its sentinels; the others do not.
    joiner: str = ""

    def all_special(self) -> list[str]:
        return [self.bos, self.eos, self.pad, self.prefix, self.suffix, self.middle]


SENTINELS: dict[str, Sentinels] = {
    "deepseek-coder": Sentinels(
        prefix="<｜fim▁begin｜>",
        suffix="<｜fim▁hole｜>",
        middle="<｜fim▁end｜>",
        bos="<｜begin▁of▁sentence｜>",
        eos="<｜end▁of▁sentence｜>",
        pad="<pad>",
    ),
    "codellama": Sentinels(
        prefix="<PRE>", suffix="<SUF>", middle="<MID>", bos="<s>", eos="</s>", pad="</s>", joiner=" "
    ),
    "starcoder": Sentinels(
        prefix="<fim_prefix>",
        suffix="<fim_suffix>",
        middle="<fim_middle>",
        bos="<|endoftext|>",
        eos="<|endoftext|>",
        pad="<|endoftext|>",
    ),
}


def sentinels(family: str) -> Sentinels:
    """The sentinel set of ``family``; an unknown family is an error naming the known ones."""
    try:
        return SENTINELS[family]
    except KeyError:
        raise ValueError(f"unknown sentinel family {family!r}; known: {sorted(SENTINELS)}") from None


def psm_prompt(prefix: str, suffix: str, st: Sentinels) -> str:
    """The PSM prompt; the model continues with the middle and EOS."""
    j = st.joiner
    return f"{st.prefix}{j}{prefix}{j}{st.suffix}{suffix}{j}{st.middle}"


def spm_prompt(prefix: str, suffix: str, st: Sentinels) -> str:
    """The SPM prompt: suffix first, then the prefix right before the middle."""
    j = st.joiner
    return f"{st.prefix}{j}{st.suffix}{suffix}{j}{st.middle}{j}{prefix}"


def unit_draw(seed: int, key: str, salt: str) -> float:
    """A deterministic uniform number in [0, 1) from (seed, key, salt), independent of order.

    Per-example hashing (not a sequential RNG) keeps the transform a pure per-example
    function: the same row gets the same mode whatever else is in the data set.
    """
    digest = hashlib.blake2b(f"{seed}\x00{salt}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def choose_mode(seed: int, key: str, fim_rate: float, spm_rate: float) -> Mode:
    """With probability ``fim_rate`` a FIM example, of which ``spm_rate`` SPM, else PSM;
    otherwise plain left-to-right text."""
    if not 0.0 <= fim_rate <= 1.0 or not 0.0 <= spm_rate <= 1.0:
        raise ValueError(f"fim_rate and spm_rate must lie in [0, 1], got {fim_rate}, {spm_rate}")
    if unit_draw(seed, key, "fim") >= fim_rate:
        return Mode.PLAIN
    return Mode.SPM if unit_draw(seed, key, "spm") < spm_rate else Mode.PSM


def fim_example(prefix: str, middle: str, suffix: str, mode: Mode, st: Sentinels) -> tuple[str, str]:
    """A (prompt, completion) training pair; the loss applies to the completion (+ EOS).

    ``plain``: the prompt is the prefix and the completion is the middle FOLLOWED BY the suffix,
    i.e. the untransformed function read left to right; the loss covers everything after the
    prefix, so the model still learns to write the fix (and the rest of the function) from
    the context before it.
    """
    if mode is Mode.PSM:
        return psm_prompt(prefix, suffix, st), middle
    if mode is Mode.SPM:
        return spm_prompt(prefix, suffix, st), middle
    return prefix, middle + suffix
