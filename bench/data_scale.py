"""Scale benchmark of the data stage: Megadiff-sized synthetic rows -> filters (funnel) ->
decontamination -> split -> training pairs of two recipes with the length filter in the tiny
tokenizer. Prints rows/s and the total time.

    OMP_NUM_THREADS=1 .venv/bin/python bench/data_scale.py [--rows 72393] [--workdir DIR]

The synthetic set (same columns and shape as ASSERT-KTH/megadiff-single-function) and the
tiny benchmark are made by the script; their generation is timed separately.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--rows", type=int, default=72_393, help="rows of the synthetic set (Megadiff single-function has 72,393)"
    )
    ap.add_argument("--test-size", type=int, default=1000)
    ap.add_argument("--max-length", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workdir", type=Path, default=None, help="keep outputs here (default: a temporary directory)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from fimrepair.fim import sentinels
    from fimrepair.io import read_tsv
    from fimrepair.stages import benchmark as benchmark_stage
    from fimrepair.stages import data as data_stage
    from fimrepair.stages import representations as representations_stage
    from fimrepair.tinybench import write_tiny_benchmark
    from fimrepair.tinymodel import train_tokenizer
    from fimrepair.training_pairs import representation_settings

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        data_stage.data_synthetic(work / "rows.parquet", args.rows, args.seed)
        write_tiny_benchmark(work / "bench")
        benchmark_stage.benchmark_bugs(work / "bench", work / "bugs.jsonl", name="tiny", include=None, exclude=[])
        import pandas as pd

        corpus = sorted(set(pd.read_parquet(work / "rows.parquet")["fixed_function"].head(3000)) - {""})
        tok = train_tokenizer(corpus, sentinels("deepseek-coder"), 2048)
        tok.save_pretrained(str(work / "tokenizer"))
        setup = time.perf_counter() - t0
        print(f"setup (synthetic rows, tiny benchmark, tiny tokenizer): {setup:.1f} s")

        t1 = time.perf_counter()
        funnel = data_stage.data_prepare(
            work / "train.parquet",
            work / "test.parquet",
            work / "funnel.tsv",
            dataset="synthetic",
            source="local",
            test_size=args.test_size,
            seed=args.seed,
            path=str(work / "rows.parquet"),
            bugs_jsonl=work / "bugs.jsonl",
            out_contaminated=work / "contaminated.jsonl",
            progress=False,
        )
        t2 = time.perf_counter()
        print(f"filter + decontaminate + split: {t2 - t1:.1f} s ({args.rows / (t2 - t1):,.0f} rows/s)")
        recipes = (("nofim", "nofim", 0.0, 0.0), ("fim", "fim", 0.9, 0.5))
        representations = {
            name: representation_settings(
                {"kind": kind, "fim_rate": fim_rate, "spm_rate": spm_rate}, seed=args.seed, max_length=args.max_length
            )
            for name, kind, fim_rate, spm_rate in recipes
        }
        funnel += representations_stage.training_pairs(
            work / "train.parquet",
            work / "test.parquet",
            representations,
            [work / r[0] for r in recipes],
            sentinels="deepseek-coder",
            model_dir=work / "tokenizer",
            out_matched=work / "matched.tsv",
        )
        t3 = time.perf_counter()
        print(f"training pairs + length filter + matching (2 recipes, tiny tokenizer): {t3 - t2:.1f} s")
        total = t3 - t1
        print(
            f"data stage total: {total:.1f} s for {args.rows:,} rows = {args.rows / total:,.0f} rows/s (setup excluded: {setup:.1f} s)"
        )
        print("\nfunnel:")
        for row in funnel:
            print(
                f"  {row['dataset'][:28]:28} {row['step'][:20]:20} {row['rows_in']:>7} -> {row['rows_out']:>7}  {row['reason']}"
            )
        assert read_tsv(work / "funnel.tsv")


if __name__ == "__main__":
    main()
