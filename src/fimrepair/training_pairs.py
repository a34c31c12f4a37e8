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
from typing import Any

from fimrepair.fim import Sentinels
from fimrepair.prompts import split_of, training_pair
from fimrepair.recipe import Recipe


def recipe_pairs(rows: Iterable[Mapping[str, Any]], recipe: Recipe, st: Sentinels) -> list[dict[str, Any]]:
    """The recipe's pair of every row: ``{recipe, row_id, prompt, completion, mode, fixed}``
    (``fixed`` = the fixed lines, used to count ``fix_tokens``; dropped before writing)."""
    out = []
    for row in rows:
        pair = training_pair(row, recipe.kind, st, seed=recipe.seed, fim_rate=recipe.fim_rate, spm_rate=recipe.spm_rate)
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
