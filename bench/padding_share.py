"""Padding share of the paper's batches, before and after the project's batching choice.

The paper trains micro-batches of ``training.batch_size`` (4) examples, each padded to its
longest, 16 examples per optimiser step. Plain random sampling puts examples of very different
lengths together; the project's sampler (``fimrepair.training_batches.step_sorted_order``) takes the
same 16 examples per step from the same seeded permutation and sorts them by length within the
step, so each step's loss is unchanged while its micro-batches pad less. For comparison it also
prints transformers' ``group_by_length`` (which changes what each step trains on).

The rows are the paper-shaped configuration's (``config.smoke.yaml`` over ``config.yaml``: the
synthetic Megadiff-format rows through the paper's filters, every recipe's training pairs on
matched rows, lengths counted with the real DeepSeek-Coder tokenizer in ``../shared``): the
script runs the workflow to ``results/representations/<recipe>/train.jsonl`` in a scratch copy,
or reads the pairs of a finished run with ``--run DIR``. Its last line is one JSON object.

    python bench/padding_share.py [--run DIR] [--micro 4] [--per-step 16] [--epochs 2] [--seed 42]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "src"))

RECIPES = ("fim", "fim_psm", "nofim", "repro")
WORKFLOW = ("Snakefile", "config.yaml", "config.smoke.yaml", "workflow", "envs", "paper", "slurm")


def paper_shaped_pairs(work: Path) -> Path:
    """Run the paper-shaped configuration up to the training pairs in ``work``."""
    for name in WORKFLOW:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, work / name)
    shared = REPO.parent / "shared"  # config.smoke.yaml names it relative to the checkout
    (work / "config.padding.yaml").write_text(
        json.dumps(
            {
                "base_model": {"tokenizer": str(shared / "deepseek-coder-tokenizer")},
                "benchmark": {"root": str(shared / "humaneval-java")},
            }
        )
    )
    targets = [f"results/representations/{r}/train.jsonl" for r in RECIPES]
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            *targets,
            "--cores",
            "2",
            "--configfile",
            "config.smoke.yaml",
            "config.padding.yaml",
        ],
        cwd=work,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"the paper-shaped run failed:\n{proc.stderr[-3000:]}")
    print(f"paper-shaped training pairs built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return work


def group_by_length_order(lengths: list[int], group: int, seed: int, epoch: int) -> list[int]:
    """transformers' LengthGroupedSampler order (megabatches of 50 x ``group`` of a permutation,
    each sorted by length, the longest batch first), seeded like the project's permutation."""
    from fimrepair.training_batches import permutation

    order = permutation(len(lengths), seed, epoch)
    mega = 50 * group
    out: list[int] = []
    for start in range(0, len(order), mega):
        out.extend(sorted(order[start : start + mega], key=lambda i: -lengths[i]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a finished run's folder (default: build the paper-shaped pairs)")
    parser.add_argument("--micro", type=int, default=4, help="examples per micro-batch (training.batch_size)")
    parser.add_argument("--per-step", type=int, default=16, help="examples per optimiser step")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    a = parser.parse_args()

    from fimrepair.io import read_jsonl
    from fimrepair.training_batches import padding_share, permutation, step_sorted_order

    with tempfile.TemporaryDirectory(prefix="padding-share-") as tmp:
        run = a.run or paper_shaped_pairs(Path(tmp))
        lengths = {
            r: [p["tokens"] for p in read_jsonl(run / f"results/representations/{r}/train.jsonl")] for r in RECIPES
        }
    result: dict[str, object] = {"micro_batch": a.micro, "examples_per_step": a.per_step, "epochs": a.epochs}
    print(f"{'recipe':8} {'rows':>6} {'mean tok':>9} {'random':>8} {'step-sorted':>12} {'group_by_length':>16}")
    for recipe, ls in lengths.items():
        shares = {"random": [], "step_sorted": [], "group_by_length": []}
        for epoch in range(a.epochs):
            shares["random"].append(padding_share(ls, permutation(len(ls), a.seed, epoch), a.micro))
            shares["step_sorted"].append(padding_share(ls, step_sorted_order(ls, a.per_step, a.seed, epoch), a.micro))
            shares["group_by_length"].append(
                padding_share(ls, group_by_length_order(ls, a.per_step, a.seed, epoch), a.micro)
            )
        mean = {k: round(sum(v) / len(v), 4) for k, v in shares.items()}
        result[recipe] = {"rows": len(ls), "mean_tokens": round(sum(ls) / len(ls), 1), **mean}
        print(
            f"{recipe:8} {len(ls):>6} {sum(ls) / len(ls):>9.1f} {mean['random']:>8.1%} {mean['step_sorted']:>12.1%} "
            f"{mean['group_by_length']:>16.1%}"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
