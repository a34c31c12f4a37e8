# Stage 7, validate: splice, compile, run the bug's JUnit tests; a verdict per candidate.
# The persistent sandboxed engine (fimrepair.validate.engine) with an on-disk verdict cache
# shared by all models: a killed or rerun job validates nothing twice. The cache is not a
# declared output, so Snakemake keeps it when a job fails.


rule validate:
    input:
        bugs="results/benchmark/bugs.jsonl",
        candidates="results/generate/{model}/candidates.jsonl",
        root=benchmark_root(),
    output:
        "results/validate/{model}/verdicts.jsonl",
    log:
        "logs/validate/{model}.log",
    benchmark:
        "benchmarks/validate/{model}.tsv"
    params:
        per_candidate_timeout_s=config["validation"]["per_candidate_timeout_s"],
        cache_dir="results/validate/cache",
    threads: 2
    conda:
        "../../envs/java.yaml"
    script:
        "../scripts/validate.py"
