# Stage 2, benchmark: each benchmark's checkout (downloaded, local or tiny) -> bug records and
# its settings (Java level, heap); the kinds live in fimrepair.benchmarks.


rule benchmark_tiny:
    output:
        directory("resources/benchmarks/{benchmark}"),
    log:
        "logs/benchmark/{benchmark}/tiny.log",
    wildcard_constraints:
        benchmark="|".join(benchmarks_from("tiny")) or "NONE",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/benchmark_tiny.py"


rule benchmark_download:
    output:
        directory("resources/benchmarks/{benchmark}"),
    log:
        "logs/benchmark/{benchmark}/download.log",
    wildcard_constraints:
        benchmark="|".join(benchmarks_from("github")) or "NONE",
    conda:
        "../../envs/data.yaml"
    params:
        spec=benchmark_spec,
    script:
        "../scripts/benchmark_download.py"


rule benchmark_bugs:
    input:
        root=benchmark_root,
    output:
        bugs="results/benchmark/{benchmark}/bugs.jsonl",
        crosscheck="results/benchmark/{benchmark}/crosscheck.tsv",
        settings="results/benchmark/{benchmark}/settings.json",
    log:
        "logs/benchmark/{benchmark}/bugs.log",
    conda:
        "../../envs/data.yaml"
    params:
        spec=benchmark_spec,
    script:
        "../scripts/benchmark_bugs.py"
