"""LoRA fine-tuning with a completion-only loss.

Backends: ``hf`` (transformers + peft + trl's SFTTrainer; runs on CPU and GPU) and
``unsloth`` (GPU only, optional extra ``fimrepair[gpu]``). Unsloth must be imported before
transformers/trl/peft in its process; nothing here imports them at module level, and
:func:`_load_unsloth` is the one place that imports it.

Examples are tokenised here (prompt with BOS, completion + EOS, tokenised separately: see
:func:`fimrepair.prompts.tokenize_pair`), one example per sequence (no packing), and examples
longer than ``max_length`` are dropped, never truncated; the count is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fimrepair.fim import sentinels
from fimrepair.prompts import tokenize_pair
from fimrepair.recipe import Recipe
from fimrepair.tokenizer import load_tokenizer

log = logging.getLogger(__name__)


def tokenize_examples(tokenizer: Any, pairs: Sequence[dict[str, str]], max_length: int) -> tuple[list[dict[str, list[int]]], int]:
    """Pre-tokenised rows ``{input_ids, completion_mask}`` and the number dropped as too long.

    The length filter in the target tokenizer runs upstream (``representations_train``, counted
    in the recipe's funnel), so nothing should be dropped here; a pair that still is too long
    (another tokenizer than the one filtered with) is dropped, never truncated, named in the
    log and counted in ``counts.json``.
    """
    rows, too_long = [], []
    for pair in pairs:
        prompt_ids, completion_ids = tokenize_pair(tokenizer, pair["prompt"], pair["completion"])
        if "tokens" in pair and (pair["tokens"], pair["loss_tokens"]) != (len(prompt_ids) + len(completion_ids), len(completion_ids)):
            raise ValueError(
                f"row {pair.get('row_id', '?')} of recipe {pair.get('recipe', '?')}: the training tokenizer gives "
                f"{len(prompt_ids) + len(completion_ids)} tokens ({len(completion_ids)} with loss), the length filter counted "
                f"{pair['tokens']} ({pair['loss_tokens']}); both stages must load the same tokenizer (fimrepair.tokenizer)"
            )
        if len(prompt_ids) + len(completion_ids) > max_length:
            too_long.append(str(pair.get("row_id", "?")))
            continue
        rows.append({"input_ids": prompt_ids + completion_ids, "completion_mask": [0] * len(prompt_ids) + [1] * len(completion_ids)})
    if too_long:
        log.warning("%d pair(s) longer than max_length=%d dropped at training time (not in the funnel): %s", len(too_long), max_length, ", ".join(too_long[:20]))
    return rows, len(too_long)


def loss_token_counts(rows: Sequence[dict[str, list[int]]], pairs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Loss-bearing tokens of the training rows (one epoch): the labels that are not -100, i.e.
    the completion mask's ones. Where every pair was trained on and carries its counts
    (``fimrepair.training_pairs``), also the fix tokens and the split by FIM mode."""
    out: dict[str, Any] = {"loss_tokens": sum(sum(r["completion_mask"]) for r in rows)}
    if len(rows) == len(pairs) and all("fix_tokens" in p for p in pairs):
        from fimrepair.training_pairs import totals

        t = totals(pairs)
        if t["loss_tokens"] != out["loss_tokens"]:
            raise ValueError(f"loss tokens counted by the length filter ({t['loss_tokens']}) differ from the trained rows ({out['loss_tokens']})")
        out.update({"fix_tokens": t["fix_tokens"], "by_mode": t["by_mode"]})
    return out


def _load_hf(model_dir: Path, recipe: Recipe) -> tuple[Any, Any]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(model_dir, sentinels(recipe.sentinels), recipe.token_ids)
    dtype = torch.bfloat16 if recipe.train.bf16 else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
    lora = LoraConfig(
        r=recipe.lora.r,
        lora_alpha=recipe.lora.alpha,
        lora_dropout=recipe.lora.dropout,
        target_modules=list(recipe.lora.target_modules),
        task_type="CAUSAL_LM",
    )
    torch.manual_seed(recipe.seed)  # get_peft_model initialises the LoRA A matrices at random
    return get_peft_model(model, lora), tokenizer


def _load_unsloth(model_dir: Path, recipe: Recipe) -> tuple[Any, Any]:  # pragma: no cover - GPU only
    try:
        from unsloth import FastLanguageModel  # must come before transformers in this process
    except ImportError as err:
        raise RuntimeError("train.backend 'unsloth' needs the GPU extra: pip install 'fimrepair[gpu]'") from err
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=str(model_dir), max_seq_length=recipe.train.max_length, load_in_4bit=recipe.train.load_in_4bit
    )
    model = FastLanguageModel.get_peft_model(
        model,
        r=recipe.lora.r,
        lora_alpha=recipe.lora.alpha,
        lora_dropout=recipe.lora.dropout,
        target_modules=list(recipe.lora.target_modules),
        random_state=recipe.seed,
    )
    # Unsloth repairs its own copy of the tokenizer; the length filter and generation use the
    # project's loader, so training must too (the ids are compared on the training pairs in
    # train_lora, and rows are tokenised with this one).
    return model, load_tokenizer(model_dir, sentinels(recipe.sentinels), recipe.token_ids)


def train_lora(
    model_dir: Path,
    train_pairs: Sequence[dict[str, str]],
    eval_pairs: Sequence[dict[str, str]],
    recipe: Recipe,
    out_dir: Path,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fine-tune a LoRA adapter; save it (and the tokenizer) to ``out_dir``.

    Returns the loss curve rows ``{recipe, step, epoch, loss, split}`` and the counts of
    ``counts.json``: rows (``train``, ``eval``, ``dropped_too_long``), ``optimizer_steps`` taken,
    ``examples_per_step``, ``epochs``, and the loss-bearing tokens of one epoch
    (``loss_tokens``, ``fix_tokens``, ``by_mode``; see :mod:`fimrepair.training_pairs`).
    """
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    if recipe.train.backend == "unsloth":
        model, tokenizer = _load_unsloth(model_dir, recipe)
    else:
        model, tokenizer = _load_hf(model_dir, recipe)
    torch.manual_seed(recipe.seed)
    train_rows, dropped_train = tokenize_examples(tokenizer, train_pairs, recipe.train.max_length)
    eval_rows, dropped_eval = tokenize_examples(tokenizer, eval_pairs[: recipe.train.eval_rows], recipe.train.max_length)
    if not train_rows:
        raise ValueError(f"recipe {recipe.name}: no training example fits max_length={recipe.train.max_length}")
    curve: list[dict[str, Any]] = []

    class LossLog(TrainerCallback):  # type: ignore[misc]
        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **_: Any) -> None:
            if not logs:
                return
            for key, split in (("loss", "train"), ("eval_loss", "eval")):
                if key in logs:
                    curve.append({"recipe": recipe.name, "step": state.global_step, "epoch": float(state.epoch or 0.0), "loss": float(logs[key]), "split": split})

    use_cpu = not torch.cuda.is_available()
    config = SFTConfig(
        output_dir=str(out_dir / "checkpoints"),
        learning_rate=recipe.train.learning_rate,
        lr_scheduler_type=recipe.train.lr_scheduler,
        warmup_steps=recipe.train.warmup_steps,
        weight_decay=recipe.train.weight_decay,
        max_grad_norm=recipe.train.max_grad_norm,
        optim=recipe.train.optim,
        gradient_checkpointing=recipe.train.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if recipe.train.gradient_checkpointing else None,
        num_train_epochs=recipe.train.epochs,
        max_steps=recipe.train.max_steps,
        per_device_train_batch_size=recipe.train.batch_size,
        per_device_eval_batch_size=recipe.train.batch_size,
        gradient_accumulation_steps=recipe.train.gradient_accumulation,
        logging_steps=recipe.train.logging_steps,
        eval_strategy="steps" if eval_rows else "no",
        eval_steps=recipe.train.eval_steps,
        save_strategy="no",
        report_to=[],
        seed=recipe.seed,
        data_seed=recipe.seed,
        bf16=recipe.train.bf16 and not use_cpu,
        use_cpu=use_cpu,
        max_length=recipe.train.max_length,
        packing=False,
        completion_only_loss=True,
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(train_rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        callbacks=[LossLog()],
    )
    trainer.train()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir / "adapter")
    tokenizer.save_pretrained(out_dir / "adapter")
    counts = {
        "train": len(train_rows),
        "eval": len(eval_rows),
        "dropped_too_long": dropped_train + dropped_eval,
        "optimizer_steps": int(trainer.state.global_step),
        "examples_per_step": recipe.train.examples_per_step,
        "epochs": float(trainer.state.epoch or 0.0),
        **loss_token_counts(train_rows, list(train_pairs)),
    }
    log.info("recipe %s: %s", recipe.name, counts)
    return curve, counts
