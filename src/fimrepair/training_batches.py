"""The batches of LoRA fine-tuning: how many examples each process takes per optimiser step,
and in which order.

The examples per optimiser step stay ``batch_size x gradient_accumulation`` (16 in the paper)
whatever the world size: :func:`batch_plan` derives the per-process micro-batch and
accumulation, and refuses a world size that cannot keep them. Each optimiser step takes the
next ``examples_per_step`` examples of a seeded permutation (the same examples as plain random
sampling), sorted by length within the step (:func:`step_sorted_order`,
:class:`StepSortedSampler`), so its micro-batches pad less while the step's loss is unchanged
(docs/gpu.md). :func:`fimrepair.finetune.train_lora` trains with them.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["StepSortedSampler", "batch_plan", "padding_share", "permutation", "step_sorted_order", "world"]


def world() -> tuple[int, int]:
    """(rank, world size) of this process: torchrun's RANK and WORLD_SIZE, else (0, 1)."""
    import os

    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def batch_plan(examples_per_step: int, batch_size: int, world_size: int) -> tuple[int, int]:
    """(micro-batch per process, accumulation steps) that keep ``examples_per_step`` examples
    per optimiser step over ``world_size`` processes: the largest micro-batch up to
    ``batch_size`` that divides each process's share. Raises naming the reason otherwise."""
    if world_size < 1:
        raise ValueError(f"world size must be >= 1, got {world_size}")
    if examples_per_step % world_size:
        raise ValueError(
            f"{world_size} training processes cannot keep {examples_per_step} examples per optimiser step "
            f"(training.batch_size x training.gradient_accumulation): {examples_per_step} is not a multiple of "
            f"{world_size}; use a number of processes that divides it"
        )
    share = examples_per_step // world_size
    micro = max(d for d in range(1, min(batch_size, share) + 1) if share % d == 0)
    return micro, share // micro


def permutation(n: int, seed: int, epoch: int) -> list[int]:
    """The seeded order of ``n`` rows in ``epoch`` (plain random sampling)."""
    import torch

    generator = torch.Generator()
    generator.manual_seed(seed + epoch)
    return torch.randperm(n, generator=generator).tolist()


def step_sorted_order(lengths: Sequence[int], examples_per_step: int, seed: int, epoch: int) -> list[int]:
    """:func:`permutation` sorted by length (longest first, ties by position) within each
    consecutive block of ``examples_per_step``: every optimiser step trains on the same
    examples as the plain permutation, in micro-batches of similar length."""
    order = permutation(len(lengths), seed, epoch)
    out: list[int] = []
    for start in range(0, len(order), examples_per_step):
        block = order[start : start + examples_per_step]
        out.extend(sorted(block, key=lambda i: (-lengths[i], i)))
    return out


def padding_share(lengths: Sequence[int], order: Sequence[int], micro: int) -> float:
    """Share of the tokens a GPU processes that are padding, when ``order`` is cut into
    micro-batches of ``micro`` rows each padded to its longest row (as the collator does; the
    micro-batches are the same whichever process takes them)."""
    real = padded = 0
    for start in range(0, len(order), micro):
        batch = [lengths[i] for i in order[start : start + micro]]
        real += sum(batch)
        padded += max(batch) * len(batch)
    return 1.0 - real / padded if padded else 0.0


class StepSortedSampler:
    """:func:`step_sorted_order` as a torch sampler; the Trainer calls ``set_epoch``."""

    def __init__(self, lengths: Sequence[int], examples_per_step: int, seed: int) -> None:
        self.lengths, self.examples_per_step, self.seed, self.epoch = list(lengths), examples_per_step, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(step_sorted_order(self.lengths, self.examples_per_step, self.seed, self.epoch))

    def __len__(self) -> int:
        return len(self.lengths)
