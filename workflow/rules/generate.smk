# Stage 6, generate: N candidates per bug by beam search, post-processed into full methods.


rule generate:
    input:
        unpack(adapter_input),
        model=base_model_dir(),
        facts="results/model/model.json",
        bugs="results/benchmark/{benchmark}/bugs.jsonl",
    output:
        "results/generate/{benchmark}/{model}/candidates.jsonl",
    log:
        "logs/generate/{benchmark}/{model}.log",
    benchmark:
        "benchmarks/generate/{benchmark}/{model}.tsv"
    wildcard_constraints:
        model=("|".join(GENERATED_RUNS) or "NONE") if not REPRODUCE else "NONE",
    conda:
        "../../envs/gpu.yaml"
    threads: 1
    resources:
        gpu=1,
    params:
        model_name=model_name,
        prompt_style=prompt_style,
        decoding=config["generation"],
        seed=config["seed"],
        allow_cpu=config["compute"]["allow_cpu"],
    script:
        "../scripts/generate.py"


rule generate_reference:
    input:
        bugs="results/benchmark/{benchmark}/bugs.jsonl",
    output:
        "results/generate/{benchmark}/{model}/candidates.jsonl",
    log:
        "logs/generate/{benchmark}/{model}.log",
    wildcard_constraints:
        model="|".join(REFERENCE_MODELS),
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/generate_reference.py"


# A model whose configuration says `skip: <reason>` (e.g. a published adapter that needs hub
# weights, in the paper-shaped CPU run) is planned but not generated: the reason is written
# here and printed in the paper.
rule generate_skipped:
    output:
        "results/generate/{benchmark}/{model}/SKIPPED.txt",
    log:
        "logs/generate/{benchmark}/{model}.skipped.log",
    wildcard_constraints:
        model="|".join(SKIPPED_MODELS) or "NONE",
    conda:
        "../../envs/data.yaml"
    params:
        reason=lambda wildcards: config["models"][wildcards.model]["skip"],
    script:
        "../scripts/generate_skipped.py"


# A published patch set (config `published`): fetched at its pinned URL, or made from the tiny
# benchmark (the tiny configuration), then converted to the candidates format with its
# authors' own verdicts kept per candidate; validated and analysed like any model.
rule published_download:
    output:
        "resources/published/{system}.jsonl",
    log:
        "logs/published/{system}/download.log",
    wildcard_constraints:
        system="|".join(n for n, p in PUBLISHED.items() if p["source"] == "url") or "NONE",
    conda:
        "../../envs/data.yaml"
    params:
        url=lambda wildcards: PUBLISHED[wildcards.system]["url"],
    script:
        "../scripts/published_download.py"


rule published_tiny:
    input:
        bugs=published_bugs,
    output:
        "resources/published/{system}.jsonl",
    log:
        "logs/published/{system}/tiny.log",
    wildcard_constraints:
        system="|".join(n for n, p in PUBLISHED.items() if p["source"] == "tiny") or "NONE",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/published_tiny.py"


rule published_candidates:
    input:
        published=published_file,
    output:
        "results/generate/{benchmark}/{system}/candidates.jsonl",
    log:
        "logs/generate/{benchmark}/{system}.log",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/published_candidates.py"
