# Stage 3, model: the base model (the tiny offline one, or a hub download) and hub adapters;
# the base model's facts (sentinel family, token ids), checked against its tokenizer, in
# results/model/model.json, which the representations, the recipes and generation read.


rule model_tiny:
    input:
        train="results/data/train.parquet",
    output:
        model=directory("resources/models/tiny"),
        loss="results/model/tiny_pretrain_loss.tsv",
    log:
        "logs/model/tiny.log",
    benchmark:
        "benchmarks/model/tiny.tsv"
    conda:
        "../../envs/ml.yaml"
    threads: 1
    params:
        spec=config["base_model"]["tiny"],
        sentinels=config["base_model"]["sentinels"],
        seed=config["seed"],
    script:
        "../scripts/model_tiny.py"


rule model_download:
    output:
        directory("resources/models/base"),
    log:
        "logs/model/download.log",
    conda:
        "../../envs/ml.yaml"
    params:
        hub={"repo_id": config["base_model"]["hub_id"], "revision": config["base_model"]["revision"]},
    script:
        "../scripts/model_download.py"


rule adapter_download:
    output:
        directory("resources/adapters/{hubmodel}"),
    log:
        "logs/model/adapter_{hubmodel}.log",
    conda:
        "../../envs/ml.yaml"
    params:
        hub=hub_adapter,
    script:
        "../scripts/adapter_download.py"


# The paper-shaped CPU run: a small Llama-family model around the real tokenizer (a local
# folder), briefly pre-trained offline on the training split's fixed functions.
rule model_scratch:
    input:
        train="results/data/train.parquet",
        tokenizer=config["base_model"]["tokenizer"] or [],
    output:
        model=directory("resources/models/scratch"),
        loss="results/model/scratch_pretrain_loss.tsv",
    log:
        "logs/model/scratch.log",
    benchmark:
        "benchmarks/model/scratch.tsv"
    conda:
        "../../envs/ml.yaml"
    threads: 1
    params:
        spec=config["base_model"]["tiny"],
        sentinels=config["base_model"]["sentinels"],
        token_ids=config["base_model"]["token_ids"],
        seed=config["seed"],
    script:
        "../scripts/model_scratch.py"


rule model_facts:
    input:
        model=base_model_dir(),
    output:
        "results/model/model.json",
    log:
        "logs/model/facts.log",
    conda:
        "../../envs/ml.yaml"
    params:
        sentinels=config["base_model"]["sentinels"],
        token_ids=config["base_model"]["token_ids"],
    script:
        "../scripts/model_facts.py"
