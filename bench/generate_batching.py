"""Generation throughput on CPU with the tiny model: one bug per ``generate`` call against
batches of several bugs, and whether the candidates are identical.

    OMP_NUM_THREADS=1 python bench/generate_batching.py [--repeats 5] [--batch-sizes 1 2 4 8]

Builds the tiny model (tiny configuration's size) and the tiny benchmark's 12 bugs (taken
``--copies`` times), decodes with 10 beams, 10 candidates, 48 new tokens (the tiny
configuration), and prints per batch size the median of ``repeats`` wall times. Last line:
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--copies", type=int, default=3, help="the 12 bugs, this many times")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--pretrain-steps", type=int, default=150)
    args = parser.parse_args()

    import torch

    from fimrepair.bugs import extract_bugs
    from fimrepair.config import GenerationSpec
    from fimrepair.fim import sentinels
    from fimrepair.generate import generate_candidates, load_model
    from fimrepair.synthetic import generate_megadiff_rows
    from fimrepair.tinybench import write_tiny_benchmark
    from fimrepair.tinymodel import TinyModelSpec, build_tiny_model

    torch.set_num_threads(1)
    st = sentinels("deepseek-coder")
    tmp = Path(tempfile.mkdtemp(prefix="gen-batching-"))
    corpus = sorted({r["fixed_function"] for r in generate_megadiff_rows(1500, seed=42) if r["fixed_function"]})
    build_tiny_model(corpus, st, TinyModelSpec(pretrain_steps=args.pretrain_steps), 42, tmp / "model", progress=False)
    write_tiny_benchmark(tmp / "bench")
    bugs = [b.to_dict() for b in extract_bugs(tmp / "bench", "tiny", None, [])]
    model, tokenizer = load_model(tmp / "model", None, st)
    bugs = [{**bug, "bug_id": f"{bug['bug_id']}-{copy}"} for copy in range(args.copies) for bug in bugs]
    # Batch sizes interleaved within each repeat (a shared machine's load hits them alike);
    # the median of the repeats is reported.
    times: dict[int, list[float]] = {size: [] for size in args.batch_sizes}
    outputs: dict[int, list] = {}
    for _ in range(args.repeats):
        for size in args.batch_sizes:
            spec = GenerationSpec(num_beams=10, num_return_sequences=10, max_new_tokens=48, batch_size=size)
            start = time.perf_counter()
            outputs[size] = generate_candidates(model, tokenizer, bugs, "fim_ir4", st, spec, "tiny", progress=False)
            times[size].append(time.perf_counter() - start)
    seconds = {size: statistics.median(t) for size, t in times.items()}
    reference = outputs[args.batch_sizes[0]]
    identical = all(rows == reference for rows in outputs.values())
    for size in args.batch_sizes:
        print(
            f"batch {size}: median {seconds[size]:.2f} s for {len(bugs)} bugs ({len(bugs) / seconds[size]:.1f} bugs/s), identical to batch {args.batch_sizes[0]}: {outputs[size] == reference}",
            flush=True,
        )
    base = seconds[args.batch_sizes[0]]
    print(
        json.dumps(
            {
                "bugs": len(bugs),
                "seconds": seconds,
                "speedup": {k: round(base / v, 2) for k, v in seconds.items()},
                "identical": identical,
                "torch_threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
