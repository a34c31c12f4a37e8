# Stage 6, generate: N candidates per bug by beam search, post-processed into full methods.


rule generate:
    input:
        unpack(adapter_input),
        model=base_model_dir(),
        bugs="results/benchmark/bugs.jsonl",
    output:
        "results/generate/{model}/candidates.jsonl",
    log:
        "logs/generate/{model}.log",
    benchmark:
        "benchmarks/generate/{model}.tsv"
    wildcard_constraints:
        model="|".join(GENERATED_MODELS) or "NONE",
    params:
        prompt_style=prompt_style,
        sentinels=config["base_model"]["sentinels"],
        decoding=config["generation"],
        seed=config["seed"],
        token_ids=config["base_model"]["token_ids"],
        allow_cpu=config["compute"]["allow_cpu"],
    threads: 1
    resources:
        gpu=1,
    conda:
        "../../envs/gpu.yaml"
    script:
        "../scripts/generate.py"


rule generate_reference:
    input:
        bugs="results/benchmark/bugs.jsonl",
    output:
        "results/generate/{model}/candidates.jsonl",
    log:
        "logs/generate/{model}.log",
    wildcard_constraints:
        model="oracle|identity",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/generate_reference.py"


# A model whose configuration says `skip: <reason>` (e.g. a published adapter that needs hub
# weights, in the paper-shaped CPU run) is planned but not generated: the reason is written
# here and printed in the paper.
rule generate_skipped:
    output:
        "results/generate/{model}/SKIPPED.txt",
    log:
        "logs/generate/{model}.skipped.log",
    wildcard_constraints:
        model="|".join(SKIPPED_MODELS) or "NONE",
    params:
        reason=lambda wildcards: config["models"][wildcards.model]["skip"],
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/generate_skipped.py"
