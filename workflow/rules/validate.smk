# Stage 7, validate: splice, compile, run the bug's JUnit tests; a verdict per candidate.


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
    threads: 2
    conda:
        "../../envs/java.yaml"
    script:
        "../scripts/validate.py"
