"""Training pairs of every recipe, on one matched set of rows.

Recipes differ in layout (IR4, PSM, SPM, plain text), so the same row has a different length
in each. Filtering each recipe on its own would let a recipe train on rows another never sees,
and the comparison would be confounded with the data. So a row is kept only if it fits
``max_length`` (prompt + completion + EOS, in the target tokenizer) under EVERY trained recipe:
all recipes train on the same rows (:func:`matched_row_ids`).

Loss-bearing tokens, per pair (stored with it and summed in ``counts.json``):

- ``loss_tokens``: every token that carries loss, i.e. the completion and its EOS. For PSM, SPM,
  IR4 and the reproduction layout this is the fixed lines (OR2) + EOS. For a ``plain`` pair of a
  FIM recipe (its completion is middle + suffix) it is the fixed lines AND the rest of the
  function + EOS: the model is trained on all of them, so they are all counted.
- ``fix_tokens``: the part of ``loss_tokens`` that writes the fix: the completion + EOS for
  the sentinel layouts, the fixed lines alone (tokenised alone) for ``plain`` pairs.

The paper prints both side by side, so a FIM recipe's extra suffix tokens are visible rather
than hidden in one total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fimrepair.config import RecipeSpec
from fimrepair.fim import Sentinels
from fimrepair.prompts import RECIPE_KINDS, split_of, training_pair


@dataclass(frozen=True)
class Representation:
    """What the representations stage reads of one recipe: how its pairs are laid out and the
    longest pair it keeps. No training hyperparameter, so that changing one (the learning rate,
    the LoRA rank, a training seed) leaves the training pairs as they are."""

    name: str
    kind: str
    max_length: int
    fim_rate: float = 0.0
    spm_rate: float = 0.0
    # Draws each row's FIM mode (kind fim); None for the kinds that draw nothing.
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RECIPE_KINDS:
            raise ValueError(f"recipe {self.name}: kind must be one of {RECIPE_KINDS}, got {self.kind!r}")
        if self.kind == "fim" and self.seed is None:
            raise ValueError(f"recipe {self.name}: kind fim draws its FIM modes and needs a seed")


def recipe_layout(spec: Mapping[str, Any]) -> tuple[str, float, float]:
    """A ``recipes.<name>`` entry's kind and the FIM and SPM rates it draws with (schema defaults
    filled in): only kind fim draws modes; ir4_psm is PSM on every example by definition (rates
    1 and 0); nofim draws nothing (rates 0)."""
    spec = RecipeSpec.from_section(spec).to_dict()
    kind = spec["kind"]
    rates = {"fim": (spec["fim_rate"], spec["spm_rate"]), "ir4_psm": (1.0, 0.0)}.get(kind, (0.0, 0.0))
    return kind, rates[0], rates[1]


def representation_settings(spec: Mapping[str, Any], *, seed: int, max_length: int) -> dict[str, Any]:
    """The settings of a recipe's :class:`Representation` (less its name), from its
    ``recipes.<name>`` entry (:func:`recipe_layout`), the global ``seed`` (kept only for kind
    fim, the one that draws) and ``training.max_length``."""
    kind, fim_rate, spm_rate = recipe_layout(spec)
    settings = {"kind": kind, "fim_rate": fim_rate, "spm_rate": spm_rate, "max_length": max_length}
    return settings | ({"seed": seed} if kind == "fim" else {})


def recipe_pairs(rows: Iterable[Mapping[str, Any]], recipe: Representation, st: Sentinels) -> list[dict[str, Any]]:
    """The recipe's pair of every row: ``{recipe, row_id, prompt, completion, mode, fixed}``
    (``fixed`` = the fixed lines, used to count ``fix_tokens``; dropped before writing).
    ``recipe`` is a :class:`Representation` (or a :class:`fimrepair.recipe.Recipe`, which has
    the same fields)."""
    out = []
    seed = recipe.seed if recipe.seed is not None else 0  # kinds other than fim draw nothing
    for row in rows:
        pair = training_pair(row, recipe.kind, st, seed=seed, fim_rate=recipe.fim_rate, spm_rate=recipe.spm_rate)
        out.append({"recipe": recipe.name, "row_id": str(row["row_id"]), **pair, "fixed": split_of(row).fixed_chunk})
    return out


def count_tokens(tokenizer: Any, pairs: Sequence[dict[str, Any]], batch: int = 1024) -> None:
    """Add ``tokens``, ``loss_tokens`` and ``fix_tokens`` (module docstring) to each pair, in
    place. Counts follow :func:`fimrepair.prompts.tokenize_pair`: the prompt with BOS, the
    completion + EOS, tokenised separately."""
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        prompts = tokenizer([p["prompt"] for p in chunk], add_special_tokens=True)["input_ids"]
        completions = tokenizer([p["completion"] for p in chunk], add_special_tokens=False)["input_ids"]
        plain = [i for i, p in enumerate(chunk) if p["mode"] == "plain"]
        fixed = tokenizer([chunk[i]["fixed"] for i in plain], add_special_tokens=False)["input_ids"] if plain else []
        fixed_by_index = dict(zip(plain, fixed, strict=True))
        for i, (pair, p_ids, c_ids) in enumerate(zip(chunk, prompts, completions, strict=True)):
            pair["loss_tokens"] = len(c_ids) + 1
            pair["tokens"] = len(p_ids) + pair["loss_tokens"]
            pair["fix_tokens"] = len(fixed_by_index[i]) if i in fixed_by_index else pair["loss_tokens"]


def matched_row_ids(lengths: Mapping[str, Mapping[str, int]], max_length: Mapping[str, int]) -> set[str]:
    """Row ids that fit ``max_length[recipe]`` under every recipe of ``lengths``
    (``recipe -> row id -> tokens``). Every recipe must have measured the same rows."""
    recipes = sorted(lengths)
    if not recipes:
        return set()
    ids = set(lengths[recipes[0]])
    for name in recipes[1:]:
        if set(lengths[name]) != ids:
            raise ValueError(f"recipes {recipes[0]} and {name} were measured on different rows")
    return {row for row in ids if all(lengths[name][row] <= max_length[name] for name in recipes)}


def totals(pairs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Rows, loss-bearing and fix tokens of a set of pairs, overall and per mode."""
    out: dict[str, Any] = {"rows": 0, "loss_tokens": 0, "fix_tokens": 0, "by_mode": {}}
    for p in pairs:
        mode = out["by_mode"].setdefault(p["mode"], {"rows": 0, "loss_tokens": 0, "fix_tokens": 0})
        for bucket in (out, mode):
            bucket["rows"] += 1
            bucket["loss_tokens"] += int(p["loss_tokens"])
            bucket["fix_tokens"] += int(p["fix_tokens"])
    return out
