# Stage 2, benchmark: a HumanEval-Java-layout root (downloaded, local or tiny) -> bug records.


rule benchmark_tiny:
    output:
        directory(f"resources/benchmarks/{BENCH}"),
    log:
        f"logs/benchmark/{BENCH}/tiny.log",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/benchmark_tiny.py"


rule benchmark_download:
    output:
        directory(f"resources/benchmarks/{BENCH}"),
    log:
        f"logs/benchmark/{BENCH}/download.log",
    params:
        repo=config["benchmark"]["repo"],
        commit=config["benchmark"]["commit"],
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/benchmark_download.py"


# Both rules make the same folder; the configured source picks one.
if config["benchmark"]["source"] == "tiny":

    ruleorder: benchmark_tiny > benchmark_download

else:

    ruleorder: benchmark_download > benchmark_tiny


rule benchmark_bugs:
    input:
        root=benchmark_root(),
    output:
        bugs="results/benchmark/bugs.jsonl",
        crosscheck="results/benchmark/crosscheck.tsv",
    log:
        "logs/benchmark/bugs.log",
    params:
        name=BENCH,
        remove_blank_lines=config["benchmark"]["remove_blank_lines"],
        include=config["benchmark"]["include"],
        exclude=config["benchmark"]["exclude"],
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/benchmark_bugs.py"
