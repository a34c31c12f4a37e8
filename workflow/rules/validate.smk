# Stage 7, validate: place, compile, run the bug's JUnit tests; a verdict per candidate
# (verdicts.jsonl: the same bytes on every run from scratch) and its measured times (timings.tsv).
# The persistent sandboxed engine (fimrepair.validate.engine) with an on-disk verdict cache
# shared by all models and benchmarks: a killed or rerun job validates nothing twice. The cache
# is not a declared output, so Snakemake keeps it when a job fails. Candidates compile at the
# benchmark's Java level (benchmark.java_level; HumanEval-Java: 8).


rule validate:
    input:
        bugs="results/benchmark/{benchmark}/bugs.jsonl",
        candidates="results/generate/{benchmark}/{model}/candidates.jsonl",
        root=benchmark_root,
    output:
        verdicts="results/validate/{benchmark}/{model}/verdicts.jsonl",
        timings="results/validate/{benchmark}/{model}/timings.tsv",
    log:
        "logs/validate/{benchmark}/{model}.log",
    benchmark:
        "benchmarks/validate/{benchmark}/{model}.tsv"
    conda:
        "../../envs/java.yaml"
    threads: 2
    params:
        per_candidate_timeout_s=config["validation"]["per_candidate_timeout_s"],
        compile_grace_s=config["validation"]["compile_grace_s"],
        cache_dir="results/validate/cache",
        kind=lambda wildcards: BENCHMARKS[wildcards.benchmark]["kind"],
        java_level=lambda wildcards: BENCHMARKS[wildcards.benchmark]["java_level"],
    script:
        "../scripts/validate.py"


# The published sets again at the installed JDK's own level: the published-patch table counts
# the verdicts that the benchmark's Java level changes.
use rule validate as validate_jdk with:
    input:
        bugs="results/benchmark/{benchmark}/bugs.jsonl",
        candidates="results/generate/{benchmark}/{system}/candidates.jsonl",
        root=benchmark_root,
    output:
        verdicts="results/validate/{benchmark}/{system}/verdicts.jdk.jsonl",
        timings="results/validate/{benchmark}/{system}/timings.jdk.tsv",
    log:
        "logs/validate/{benchmark}/{system}.jdk.log",
    benchmark:
        "benchmarks/validate/{benchmark}/{system}.jdk.tsv"
    params:
        per_candidate_timeout_s=config["validation"]["per_candidate_timeout_s"],
        compile_grace_s=config["validation"]["compile_grace_s"],
        cache_dir="results/validate/cache",
        kind=lambda wildcards: BENCHMARKS[wildcards.benchmark]["kind"],
        java_level=None,
