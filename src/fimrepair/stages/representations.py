"""Stage 4, the representations (workflow/rules/representations.smk): prompt/completion pairs of
every recipe on one matched set of rows, with their funnels.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrepair.io import write_jsonl, write_tsv

log = logging.getLogger("fimrepair")


def training_pairs(
    train_parquet: str | Path,
    test_parquet: str | Path,
    representations: Mapping[str, Mapping[str, Any]],
    out_dirs: Sequence[str | Path],
    *,
    sentinels: str,
    token_ids: Mapping[str, int] | None = None,
    model_dir: str | Path | None = None,
    out_matched: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Prompt/completion pairs of every recipe, train and eval (test) split, on matched rows.

    ``representations`` maps each recipe's name to its
    :class:`~fimrepair.training_pairs.Representation` settings
    (:func:`~fimrepair.training_pairs.representation_settings`); ``sentinels`` and ``token_ids``
    are the base model's (its ``model.json``). Writes ``train.jsonl``, ``eval.jsonl`` and
    ``funnel.tsv`` into each recipe's ``out_dir`` (in the order of ``representations``). With
    ``model_dir`` (the base model, i.e. the TARGET tokenizer, loaded and checked by
    :func:`fimrepair.tokenizer.load_tokenizer`), each pair's token counts are stored with it and
    a row is kept only if it fits ``max_length`` under EVERY recipe (see
    :mod:`fimrepair.training_pairs`); both steps are counted in each recipe's funnel and, per
    recipe and split, in ``out_matched``. Returns the funnel rows of all recipes.
    """
    import pandas as pd

    from fimrepair.tokenizer import ModelFacts
    from fimrepair.training_pairs import Representation, count_tokens, matched_row_ids, recipe_pairs

    if len(representations) != len(out_dirs) or not representations:
        raise ValueError(
            f"need one output folder per recipe, got {len(representations)} recipes and {len(out_dirs)} folders"
        )
    recipes = [Representation(name=name, **settings) for name, settings in representations.items()]
    facts = ModelFacts(sentinels, dict(token_ids) if token_ids else None)
    st = facts.sentinel_set()
    tokenizer = facts.load_tokenizer(model_dir) if model_dir is not None else None
    funnels: dict[str, list[dict[str, Any]]] = {r.name: [] for r in recipes}
    matched_rows: list[dict[str, Any]] = []
    kept: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for split_name, src in (("train", train_parquet), ("eval", test_parquet)):
        rows = pd.read_parquet(src).to_dict("records")
        pairs = {r.name: recipe_pairs(rows, r, st) for r in recipes}
        for r in recipes:
            funnels[r.name].append(
                _funnel_row(r.name, split_name, "input", len(rows), len(rows), f"{split_name} split rows")
            )
        if tokenizer is None:
            for r in recipes:
                kept[(r.name, split_name)] = pairs[r.name]
            continue
        for r in recipes:
            count_tokens(tokenizer, pairs[r.name])
        lengths = {name: {p["row_id"]: p["tokens"] for p in ps} for name, ps in pairs.items()}
        limits = {r.name: r.max_length for r in recipes}
        matched = matched_row_ids(lengths, limits)
        for r in recipes:
            alone = sum(n <= limits[r.name] for n in lengths[r.name].values())
            reason = f"longer than {limits[r.name]} tokens in this recipe (dropped, not truncated)"
            funnels[r.name].append(_funnel_row(r.name, split_name, "length", len(rows), alone, reason))
            others = ", ".join(x.name for x in recipes if x.name != r.name) or "none"
            funnels[r.name].append(
                _funnel_row(
                    r.name, split_name, "matched", alone, len(matched), f"too long in another recipe ({others})"
                )
            )
            kept[(r.name, split_name)] = [p for p in pairs[r.name] if p["row_id"] in matched]
            matched_rows.append(
                {"recipe": r.name, "split": split_name, "rows": len(rows), "fit": alone, "matched": len(matched)}
            )
    for r, out_dir in zip(recipes, out_dirs, strict=True):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        if not kept[(r.name, "train")]:
            raise ValueError(f"recipe {r.name}: no training pair fits max_length={r.max_length} under every recipe")
        for split_name in ("train", "eval"):
            rows_out = [{k: v for k, v in p.items() if k != "fixed"} for p in kept[(r.name, split_name)]]
            n = write_jsonl(out_dir / f"{split_name}.jsonl", rows_out)
            log.info("recipe %s: %d %s pairs -> %s", r.name, n, split_name, out_dir)
        write_tsv(out_dir / "funnel.tsv", funnels[r.name])
    if out_matched is not None:
        write_tsv(out_matched, matched_rows, columns=["recipe", "split", "rows", "fit", "matched"])
    return [row for r in recipes for row in funnels[r.name]]


def _funnel_row(recipe: str, split_name: str, step: str, rows_in: int, rows_out: int, reason: str) -> dict[str, Any]:
    return {
        "dataset": f"recipe {recipe} ({split_name})",
        "step": step,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "reason": reason,
    }
