"""The tiny model, LoRA fine-tuning and beam-search generation (real transformers/peft/trl)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import small_recipe

from fimrepair.config import GenerationSpec
from fimrepair.fim import SENTINELS, sentinels
from fimrepair.generate import clean_middle, generate_candidates, load_model, reference_candidates
from fimrepair.prompts import tokenize_pair, training_pair
from fimrepair.recipe import Recipe, RecipeError
from fimrepair.region import split

DS = sentinels("deepseek-coder")


def bug_rows() -> list[dict[str, object]]:
    pairs = [
        (
            "    static int f(int a) {\n        return a - 1;\n    }\n",
            "    static int f(int a) {\n        return a + 1;\n    }\n",
        ),
        (
            "    static int g(int[] xs) {\n        int s = 0;\n        for (int x : xs) s -= x;\n        return s;\n    }\n",
            "    static int g(int[] xs) {\n        int s = 0;\n        for (int x : xs) s += x;\n        return s;\n    }\n",
        ),
    ]
    rows = []
    for i, (buggy, fixed) in enumerate(pairs):
        s = split(buggy, fixed)
        rows.append(
            {
                "benchmark": "t",
                "bug_id": f"B{i}",
                "row_id": f"r{i}",
                "prefix": s.prefix,
                "buggy_chunk": s.buggy_chunk,
                "fixed_chunk": s.fixed_chunk,
                "suffix": s.suffix,
            }
        )
    return rows


def test_tiny_model_has_single_token_specials(tiny_model_dir: Path):
    from fimrepair.tokenizer import load_tokenizer

    tok = load_tokenizer(tiny_model_dir, DS)
    for s in DS.all_special():
        assert len(tok(s, add_special_tokens=False)["input_ids"]) == 1, s
    assert tok("int x;")["input_ids"][0] == tok.bos_token_id
    assert tok.eos_token == DS.eos and tok.pad_token == DS.pad


@pytest.mark.parametrize("family", sorted(SENTINELS))
@pytest.mark.parametrize("marker", ["eos", "bos", "prefix", "suffix", "middle"])
def test_clean_middle_cuts_at_eos_and_every_sentinel(family: str, marker: str):
    st = SENTINELS[family]
    text = getattr(st, marker)
    assert clean_middle("        return a;" + text + "        junk;\n", st) == "        return a;\n"
    assert clean_middle("x = 1;\n" + text + "more" + st.eos, st) == "x = 1;\n"
    assert clean_middle(text + "x = 1;\n", st) == ""


@pytest.mark.parametrize("family", sorted(SENTINELS))
def test_clean_middle_drops_pad_and_ends_with_a_newline(family: str):
    st = SENTINELS[family]
    assert clean_middle("        return a;", st) == "        return a;\n"
    assert clean_middle("", st) == ""
    if st.pad not in (st.eos, st.bos):  # otherwise the pad is a cut marker: tested above
        assert clean_middle(st.pad + "        return a;" + st.pad + st.pad + "\n" + st.eos, st) == "        return a;\n"


def test_recipe_rejects_unknown_keys_and_bad_rates():
    with pytest.raises(RecipeError, match="unknown key"):
        Recipe.from_dict({"name": "x", "kind": "fim", "sentinels": "deepseek-coder", "seed": 1, "train": {"lr": 1}})
    with pytest.raises(RecipeError, match="fim_rate"):
        Recipe(name="x", kind="fim", sentinels="deepseek-coder", seed=1, fim_rate=2.0)


def tiny_pairs() -> list[dict[str, str]]:
    rows = [dict(r) for r in bug_rows() * 16]
    for i, row in enumerate(rows):
        row["row_id"] = f"r{i}"
    return [training_pair(r, "fim", DS, seed=1, fim_rate=0.9, spm_rate=0.5) for r in rows]


def train_tiny(model_dir: Path, out: Path):
    from fimrepair.finetune import train_lora

    pairs = tiny_pairs()
    recipe = small_recipe(
        max_steps=12, batch_size=8, gradient_accumulation=1, logging_steps=3, eval_steps=3, eval_rows=8, save_steps=None
    )
    curve, counts = train_lora(model_dir, pairs, pairs[:8], recipe, out / "adapter")
    return out, curve, counts


@pytest.fixture(scope="module")
def trained(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    return train_tiny(tiny_model_dir, tmp_path_factory.mktemp("ft"))


def test_training_is_reproducible(tiny_model_dir: Path, trained, tmp_path: Path):
    """Same recipe, same seed: the same loss curve and adapter, whatever ran before in the
    process (the LoRA initialisation once drew from an unseeded generator)."""
    import torch
    from safetensors.torch import load_file

    torch.rand(7)  # move the global generator
    out, curve, _ = train_tiny(tiny_model_dir, tmp_path / "again")
    assert curve == trained[1]
    a = load_file(trained[0] / "adapter" / "adapter_model.safetensors")
    b = load_file(out / "adapter" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _mean_token_loss(model, tok, pairs: list[dict[str, str]], completion_only: bool) -> float:
    """Mean cross-entropy over the completion + EOS tokens (or over every predicted token)."""
    import torch

    total, count = 0.0, 0
    for pair in pairs:
        prompt_ids, completion_ids = tokenize_pair(tok, pair["prompt"], pair["completion"])
        ids = torch.tensor([prompt_ids + completion_ids])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, :-1].float()
        losses = torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="none")
        scored = losses[len(prompt_ids) - 1 :] if completion_only else losses
        total += float(scored.sum())
        count += scored.numel()
    return total / count


def test_lora_training_lowers_the_loss_on_the_completion_only(tiny_model_dir: Path, trained):
    """The logged loss goes down, and it is the completion-only loss: the last eval loss equals
    the saved adapter's mean cross-entropy over the eval pairs' completion + EOS tokens (one
    eval batch of 8), not the loss over the whole sequence."""
    out, curve, counts = trained
    train = [r["loss"] for r in curve if r["split"] == "train"]
    assert len(train) == 4 and train[-1] < train[0]
    evals = [r for r in curve if r["split"] == "eval"]
    assert [r["step"] for r in evals] == [3, 6, 9, 12]
    assert counts["train"] == 32 and counts["dropped_too_long"] == 0
    assert (out / "adapter" / "adapter_config.json").is_file()
    model, tok = load_model(tiny_model_dir, out / "adapter", DS)
    completion = _mean_token_loss(model, tok, tiny_pairs()[:8], completion_only=True)
    whole = _mean_token_loss(model, tok, tiny_pairs()[:8], completion_only=False)
    assert abs(whole - completion) > 0.05 * completion  # the two measures are distinguishable here
    assert evals[-1]["loss"] == pytest.approx(completion, rel=1e-3), (evals[-1]["loss"], completion, whole)


def test_too_long_examples_are_dropped_not_truncated(tiny_model_dir: Path):
    from fimrepair.finetune import tokenize_examples
    from fimrepair.tokenizer import load_tokenizer

    tok = load_tokenizer(tiny_model_dir, DS)
    pairs = [{"prompt": "int a;", "completion": "int b;\n"}, {"prompt": "int a = 1;\n" * 200, "completion": "x\n"}]
    rows, dropped = tokenize_examples(tok, pairs, max_length=64)
    assert dropped == 1 and len(rows) == 1
    assert rows[0]["completion_mask"][0] == 0 and rows[0]["completion_mask"][-1] == 1
    assert rows[0]["input_ids"][-1] == tok.eos_token_id


def test_beam_search_gives_n_candidates_as_full_methods(tiny_model_dir: Path, trained):
    out, _, _ = trained
    model, tok = load_model(tiny_model_dir, out / "adapter", DS)
    spec = GenerationSpec(num_beams=4, num_return_sequences=4, max_new_tokens=12)
    rows = generate_candidates(model, tok, bug_rows(), "fim_ir4", DS, spec, "fim", progress=False)
    assert [r["bug_id"] for r in rows] == ["B0", "B1"]
    for row, bug in zip(rows, bug_rows(), strict=True):
        assert row["model"] == "fim" and len(row["candidates"]) == 4
        for c in row["candidates"]:
            assert c["function"].startswith(bug["prefix"]) and c["function"].endswith(bug["suffix"])
            assert DS.eos not in c["middle"] and DS.middle not in c["middle"]
    again = generate_candidates(model, tok, bug_rows(), "fim_ir4", DS, spec, "fim", progress=False)
    assert again == rows  # deterministic on CPU


def test_reference_models():
    bugs = bug_rows()
    oracle = reference_candidates(bugs, "oracle")
    identity = reference_candidates(bugs, "identity")
    assert oracle[0]["candidates"][0]["function"].count("a + 1") == 1
    assert identity[0]["candidates"][0]["function"].count("a - 1") == 1
    with pytest.raises(ValueError):
        reference_candidates(bugs, "nobody")
