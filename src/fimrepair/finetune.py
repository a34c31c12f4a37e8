"""LoRA fine-tuning with a completion-only loss.

Backends: ``hf`` (transformers + peft + trl's SFTTrainer; runs on CPU and GPU; the reference)
and ``unsloth`` (GPU only, optional extra ``fimrepair[gpu]``: Unsloth's loader, LoRA and
trainer). Unsloth must be imported before transformers/trl/peft/datasets in its process;
nothing here imports them at module level, and :func:`train_lora` imports Unsloth
(:func:`fimrepair.compute.import_unsloth`) before anything else when the backend is Unsloth.

Checkpoints (adapter, optimiser, scheduler, RNG states, data position) are written every
``train.save_steps`` optimiser steps into ``checkpoint_dir``, the last ``save_total_limit``
kept. A rerun resumes from the latest complete checkpoint whose fingerprint (recipe, base
model, tokenised data) matches; any other checkpoint is removed, never resumed
(:mod:`fimrepair.training_checkpoints`).

Examples are tokenised here (prompt with BOS, completion + EOS, tokenised separately: see
:func:`fimrepair.prompts.tokenize_pair`), one example per sequence (no packing), and examples
longer than ``max_length`` are dropped, never truncated; the count is reported.

Several GPUs (``train.processes`` > 1): :func:`fimrepair.stages.finetune.finetune` launches this many
processes with torchrun (DDP); every process runs :func:`train_lora`, and only rank 0 prunes
checkpoints, stamps them, and writes the adapter (the caller writes the loss table and counts on
rank 0 only). The examples per optimiser step stay ``batch_size x gradient_accumulation`` (16
in the paper) whatever the world size: :func:`fimrepair.training_batches.batch_plan` derives the per-process micro-batch
and accumulation, and refuses a world size that cannot keep them. A process that sees more
CUDA devices than its world size is refused (transformers would wrap the model in
``nn.DataParallel`` and multiply the batch).

Batching (docs/gpu.md): each optimiser step takes the next ``examples_per_step`` examples of a
seeded permutation (the same examples as plain random sampling), sorted by length within the
step, so its micro-batches pad less while the step's loss (a token-weighted mean over the same
examples) is unchanged (:mod:`fimrepair.training_batches`). Every batching and loss setting that trl's ``SFTConfig`` and Unsloth's
generated config default differently is set explicitly, the same for both backends
(:data:`EXPLICIT_SETTINGS`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fimrepair.fim import sentinels
from fimrepair.prompts import tokenize_pair
from fimrepair.recipe import Recipe
from fimrepair.tokenizer import load_tokenizer
from fimrepair.training_batches import (
    StepSortedSampler,
    batch_plan,
    padding_share,
    permutation,
    step_sorted_order,
    world,
)
from fimrepair.training_checkpoints import FINGERPRINT_FILE, resumable_checkpoint, training_fingerprint

log = logging.getLogger(__name__)

# Training settings that are the project's, not fields of the trainer's configuration: the
# backend, the examples per optimiser step (batch_size x gradient_accumulation, planned per
# process by batch_plan), the eval rows, 4-bit loading (Unsloth) and the DDP processes.
PROJECT_SETTINGS = frozenset(
    {"backend", "batch_size", "gradient_accumulation", "eval_rows", "load_in_4bit", "processes"}
)

# Batching and loss settings whose defaults differ between trl's SFTConfig and the config that
# Unsloth 2026.10.9 generates (unsloth/models/rl.py: padding_free None = auto-on, loss_type
# "nll" where trl says "chunked_nll", torch_empty_cache_steps 250, eval_accumulation_steps 2,
# dataloader_pin_memory, logging_nan_inf_filter), or that decide what a step trains on. Both
# backends get these values; tests/test_unsloth_order.py compares the two configs field by field.
EXPLICIT_SETTINGS: dict[str, Any] = {
    "packing": False,  # one example per sequence
    "padding_free": False,  # exact only with a varlen attention kernel; our batches are length-sorted instead
    "pad_to_multiple_of": None,
    "loss_type": "nll",  # token-mean cross-entropy over the completion tokens of the whole step
    "completion_only_loss": True,
    "assistant_only_loss": False,
    "average_tokens_across_devices": True,  # DDP: normalise by the step's tokens over all processes
    "torch_empty_cache_steps": None,
    "eval_accumulation_steps": None,
    "dataloader_drop_last": False,
    "dataloader_pin_memory": True,
    "dataloader_num_workers": 0,
    "logging_nan_inf_filter": False,  # log the real loss, NaN included
    "shuffle_dataset": False,  # the order is the step-sorted sampler's (module doc)
    "activation_offloading": False,
    "use_liger_kernel": False,
    "auto_find_batch_size": False,
    "include_num_input_tokens_seen": "no",
    "ddp_find_unused_parameters": False,  # LoRA: every trainable parameter gets a gradient
    "remove_unused_columns": True,
}


def tokenize_examples(
    tokenizer: Any, pairs: Sequence[dict[str, str]], max_length: int
) -> tuple[list[dict[str, list[int]]], int]:
    """Pre-tokenised rows ``{input_ids, completion_mask}`` and the number dropped as too long.

    The length filter in the target tokenizer runs upstream (``representations_train``, counted
    in the recipe's funnel), so nothing should be dropped here; a pair that still is too long
    (another tokenizer than the one filtered with) is dropped, never truncated, named in the
    log and counted in ``counts.json``.
    """
    rows, too_long = [], []
    for pair in pairs:
        prompt_ids, completion_ids = tokenize_pair(tokenizer, pair["prompt"], pair["completion"])
        if "tokens" in pair and (pair["tokens"], pair["loss_tokens"]) != (
            len(prompt_ids) + len(completion_ids),
            len(completion_ids),
        ):
            raise ValueError(
                f"row {pair.get('row_id', '?')} of recipe {pair.get('recipe', '?')}: the training tokenizer gives "
                f"{len(prompt_ids) + len(completion_ids)} tokens ({len(completion_ids)} with loss), the length filter counted "
                f"{pair['tokens']} ({pair['loss_tokens']}); both stages must load the same tokenizer (fimrepair.tokenizer)"
            )
        if len(prompt_ids) + len(completion_ids) > max_length:
            too_long.append(str(pair.get("row_id", "?")))
            continue
        rows.append(
            {
                "input_ids": prompt_ids + completion_ids,
                "completion_mask": [0] * len(prompt_ids) + [1] * len(completion_ids),
            }
        )
    if too_long:
        log.warning(
            "%d pair(s) longer than max_length=%d dropped at training time (not in the funnel): %s",
            len(too_long),
            max_length,
            ", ".join(too_long[:20]),
        )
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
            raise ValueError(
                f"loss tokens counted by the length filter ({t['loss_tokens']}) differ from the trained rows ({out['loss_tokens']})"
            )
        out.update({"fix_tokens": t["fix_tokens"], "by_mode": t["by_mode"]})
    return out


def _load_hf(model_dir: Path, recipe: Recipe) -> tuple[Any, Any]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(model_dir, sentinels(recipe.sentinels), recipe.token_ids)
    dtype = torch.bfloat16 if recipe.train.bf16 else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
    # The lora settings are LoraConfig's fields by name (tests/test_settings.py).
    lora = LoraConfig(
        **recipe.lora.to_dict() | {"target_modules": list(recipe.lora.target_modules)}, task_type="CAUSAL_LM"
    )
    torch.manual_seed(recipe.seed)  # get_peft_model initialises the LoRA A matrices at random
    return get_peft_model(model, lora), tokenizer


def _load_unsloth(model_dir: Path, recipe: Recipe) -> tuple[Any, Any]:
    """Unsloth's loader and LoRA, every choice explicit: 16-bit (bf16 unless ``bf16`` is off)
    or 4-bit weights, Unsloth's gradient checkpointing, no vLLM, a local path only."""
    import torch
    from unsloth import FastLanguageModel  # imported first in this process by train_lora

    four_bit = recipe.train.load_in_4bit
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=str(model_dir),
        max_seq_length=recipe.train.max_length,
        dtype=torch.bfloat16 if recipe.train.bf16 else torch.float16,
        load_in_4bit=four_bit,
        load_in_8bit=False,
        load_in_16bit=not four_bit,
        full_finetuning=False,
        use_gradient_checkpointing="unsloth" if recipe.train.gradient_checkpointing else False,
        fast_inference=False,
    )
    model = FastLanguageModel.get_peft_model(
        model,
        r=recipe.lora.r,
        lora_alpha=recipe.lora.lora_alpha,
        lora_dropout=recipe.lora.lora_dropout,
        target_modules=list(recipe.lora.target_modules),
        bias="none",
        use_gradient_checkpointing="unsloth" if recipe.train.gradient_checkpointing else False,
        random_state=recipe.seed,
    )
    # Unsloth repairs its own copy of the tokenizer; the length filter and generation use the
    # project's loader, so training must too (the ids are compared on the training pairs in
    # train_lora, and rows are tokenised with this one).
    return model, load_tokenizer(model_dir, sentinels(recipe.sentinels), recipe.token_ids)


def trainer_config(
    config_class: Any,
    recipe: Recipe,
    checkpoint_dir: Path,
    *,
    micro: int,
    accumulation: int,
    use_cpu: bool,
    evaluate: bool,
) -> Any:
    """The trainer configuration of both backends: the recipe's settings, the batch plan and
    :data:`EXPLICIT_SETTINGS`, nothing left to a backend's default that matters for training.

    A training setting named like a field of ``config_class`` is passed under its own name
    (three of them adjusted: gradient checkpointing is Unsloth's own with that backend, no
    checkpoints when ``save_steps`` is 0, no bf16 on the CPU); the others must be
    :data:`PROJECT_SETTINGS`, so a setting that is neither is an error, never dropped."""
    settings = recipe.train.to_dict()
    fields = {f.name for f in dataclasses.fields(config_class)}
    stray = sorted(set(settings) - fields - PROJECT_SETTINGS)
    if stray:
        raise TypeError(f"training settings {stray} are neither fields of {config_class.__name__} nor PROJECT_SETTINGS")
    saving = recipe.train.save_steps > 0
    hf_checkpointing = recipe.train.gradient_checkpointing and recipe.train.backend != "unsloth"
    own = {k: v for k, v in settings.items() if k in fields} | {
        # With Unsloth, its own checkpointing was set on the model (get_peft_model) instead.
        "gradient_checkpointing": hf_checkpointing,
        "save_steps": recipe.train.save_steps if saving else 500,
        "bf16": recipe.train.bf16 and not use_cpu,
    }
    return config_class(
        output_dir=str(checkpoint_dir),
        **own,
        gradient_checkpointing_kwargs={"use_reentrant": False} if hf_checkpointing else None,
        per_device_train_batch_size=micro,
        per_device_eval_batch_size=micro,
        gradient_accumulation_steps=accumulation,
        eval_strategy="steps" if evaluate else "no",
        save_strategy="steps" if saving else "no",
        report_to=[],
        seed=recipe.seed,
        data_seed=recipe.seed,
        fp16=False,
        use_cpu=use_cpu,
        disable_tqdm=False,
        **EXPLICIT_SETTINGS,
    )


def train_lora(
    model_dir: Path,
    train_pairs: Sequence[dict[str, str]],
    eval_pairs: Sequence[dict[str, str]],
    recipe: Recipe,
    adapter_dir: Path,
    checkpoint_dir: Path | None = None,
    callbacks: Sequence[Any] = (),
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fine-tune a LoRA adapter; save it (and the tokenizer) to ``adapter_dir`` (rank 0 only).

    Checkpoints go to ``checkpoint_dir`` (default ``checkpoints`` beside ``adapter_dir``), and a matching
    one is resumed (module doc). ``callbacks`` are extra ``TrainerCallback`` objects. Under
    torchrun (``WORLD_SIZE`` = ``recipe.train.processes``) this is one DDP process.
    Returns the loss curve rows ``{recipe, step, epoch, loss, split}`` (from the trainer's log
    history, so a resumed run's curve holds the steps before the resume too) and the counts of
    ``counts.json``: rows (``train``, ``eval``, ``dropped_too_long``), ``optimizer_steps`` taken,
    ``examples_per_step``, ``world_size``, ``per_device_batch``, ``gradient_accumulation``,
    ``padding_share`` (and ``padding_share_unsorted``, the same steps in random micro-batches),
    ``epochs``, and the loss-bearing tokens of one epoch (``loss_tokens``, ``fix_tokens``,
    ``by_mode``; see :mod:`fimrepair.training_pairs`).
    """
    if recipe.train.backend == "unsloth":
        from fimrepair.compute import import_unsloth

        import_unsloth()  # before transformers, trl, peft and datasets (refuses if too late)
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback

    from fimrepair.compute import check_visible_devices

    rank, world_size = world()
    if world_size != recipe.train.processes:
        raise ValueError(
            f"recipe {recipe.name}: training.processes is {recipe.train.processes} but this process is one of "
            f"{world_size} (WORLD_SIZE); launch it through fimrepair.stages.finetune.finetune, which starts torchrun"
        )
    check_visible_devices(world_size, f"finetune {recipe.name}")
    examples_per_step = recipe.train.examples_per_step
    micro, accumulation = batch_plan(examples_per_step, recipe.train.batch_size, world_size)
    if recipe.train.backend == "unsloth":
        from unsloth import UnslothTrainer as Trainer
        from unsloth import UnslothTrainingArguments as TrainingConfig

        model, tokenizer = _load_unsloth(model_dir, recipe)
    else:
        from trl import SFTConfig as TrainingConfig
        from trl import SFTTrainer as Trainer

        model, tokenizer = _load_hf(model_dir, recipe)
    torch.manual_seed(recipe.seed)
    train_rows, dropped_train = tokenize_examples(tokenizer, train_pairs, recipe.train.max_length)
    eval_rows, dropped_eval = tokenize_examples(
        tokenizer, eval_pairs[: recipe.train.eval_rows], recipe.train.max_length
    )
    if not train_rows:
        raise ValueError(f"recipe {recipe.name}: no training example fits max_length={recipe.train.max_length}")
    checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else Path(adapter_dir).parent / "checkpoints"
    batching = {
        "world_size": world_size,
        "per_device_batch": micro,
        "gradient_accumulation": accumulation,
        "examples_per_step": micro * accumulation * world_size,
    }
    fingerprint = training_fingerprint(model_dir, recipe, train_rows, eval_rows, batching)
    resume = resumable_checkpoint(checkpoint_dir, fingerprint, prune=rank == 0)
    lengths = [len(r["input_ids"]) for r in train_rows]

    def barrier() -> None:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.barrier()

    class MarkComplete(TrainerCallback):  # type: ignore[misc]
        """Stamp each checkpoint, once every process has written its part, with this run's
        fingerprint (rank 0 only)."""

        def on_save(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            barrier()
            if state.is_world_process_zero:
                Path(args.output_dir, f"checkpoint-{state.global_step}", FINGERPRINT_FILE).write_text(
                    fingerprint + "\n"
                )
            barrier()

    class StepSorted(Trainer):  # type: ignore[misc,valid-type]
        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            return StepSortedSampler(lengths, examples_per_step, recipe.seed)

        def _load_optimizer_and_scheduler(self, checkpoint: Any) -> Any:
            # transformers 5.17 loads the optimiser state of a DDP resume onto args.device,
            # which on the CPU is torch.device("cpu", 0), a location torch.load cannot restore
            # ("tagged with cpu:0"); the CPU is the CPU.
            if not (checkpoint and self.args.world_size > 1 and self.args.device.type == "cpu"):
                return super()._load_optimizer_and_scheduler(checkpoint)
            real = torch.load

            def load(*a: Any, map_location: Any = None, **k: Any) -> Any:
                if isinstance(map_location, torch.device) and map_location.type == "cpu":
                    map_location = "cpu"
                return real(*a, map_location=map_location, **k)

            torch.load = load
            try:
                return super()._load_optimizer_and_scheduler(checkpoint)
            finally:
                torch.load = real

    use_cpu = not torch.cuda.is_available()
    config = trainer_config(
        TrainingConfig,
        recipe,
        checkpoint_dir,
        micro=micro,
        accumulation=accumulation,
        use_cpu=use_cpu,
        evaluate=bool(eval_rows),
    )
    if config.n_gpu > 1:  # transformers' DataParallel path: never (check_visible_devices refuses first)
        raise RuntimeError(f"finetune {recipe.name}: the trainer would use nn.DataParallel over {config.n_gpu} GPUs")
    trainer = StepSorted(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(train_rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        callbacks=[MarkComplete(), *callbacks],
    )
    if resume is not None:
        step = json.loads((resume / "trainer_state.json").read_text())["global_step"]
        log.info(
            "recipe %s: RESUMING from checkpoint %s (step %d; fingerprint %s)",
            recipe.name,
            resume,
            step,
            fingerprint[:12],
        )
    else:
        log.info(
            "recipe %s: no checkpoint to resume in %s; training from step 0 (fingerprint %s)",
            recipe.name,
            checkpoint_dir,
            fingerprint[:12],
        )
    log.info("recipe %s: batching %s (rank %d)", recipe.name, batching, rank)
    trainer.train(resume_from_checkpoint=str(resume) if resume is not None else None)
    if rank == 0:
        Path(adapter_dir).mkdir(parents=True, exist_ok=True)
        model.save_pretrained(adapter_dir)
        tokenizer.save_pretrained(adapter_dir)
    barrier()
    plain = permutation(len(lengths), recipe.seed, 0)
    counts = {
        "train": len(train_rows),
        "eval": len(eval_rows),
        "dropped_too_long": dropped_train + dropped_eval,
        "optimizer_steps": int(trainer.state.global_step),
        **batching,
        "padding_share": round(
            padding_share(lengths, step_sorted_order(lengths, examples_per_step, recipe.seed, 0), micro), 6
        ),
        "padding_share_unsorted": round(padding_share(lengths, plain, micro), 6),
        "epochs": float(trainer.state.epoch or 0.0),
        **loss_token_counts(train_rows, list(train_pairs)),
    }
    log.info("recipe %s: %s", recipe.name, counts)
    return loss_curve(recipe.name, trainer.state.log_history), counts


def loss_curve(recipe_name: str, log_history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Train and eval loss rows from a trainer's log history."""
    curve = []
    for logs in log_history:
        for key, split in (("loss", "train"), ("eval_loss", "eval")):
            if key in logs:
                curve.append(
                    {
                        "recipe": recipe_name,
                        "step": int(logs["step"]),
                        "epoch": float(logs.get("epoch") or 0.0),
                        "loss": float(logs[key]),
                        "split": split,
                    }
                )
    return curve
