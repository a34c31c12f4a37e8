# Stage 1, data: Megadiff-format rows -> filtered examples (funnel table) -> train/test split.


rule data_synthetic:
    output:
        "resources/data/synthetic.parquet",
    log:
        "logs/data/synthetic.log",
    conda:
        "../../envs/data.yaml"
    params:
        n_rows=config["data"]["synthetic_rows"],
        generated_share=config["data"]["synthetic_generated"],
        seed=config["seed"],
    script:
        "../scripts/data_synthetic.py"


rule data_download:
    output:
        directory("resources/data/megadiff"),
    log:
        "logs/data/download.log",
    conda:
        "../../envs/data.yaml"
    params:
        hub={"repo_id": config["data"]["hub_id"], "revision": config["data"]["revision"]},
    script:
        "../scripts/data_download.py"


rule data_prepare:
    input:
        rows=training_data_file(),
        bugs=bug_files(),
    output:
        train="results/data/train.parquet",
        test="results/data/test.parquet",
        funnel="results/data/funnel.tsv",
        contaminated="results/data/contaminated.jsonl",
    log:
        "logs/data/prepare.log",
    benchmark:
        "benchmarks/data/prepare.tsv"
    conda:
        "../../envs/data.yaml"
    params:
        dataset=config["data"]["source"],
        source=config["data"]["source"],
        hub_id=config["data"]["hub_id"],
        revision=config["data"]["revision"],
        test_size=config["data"]["test_size"],
        remove_blank_lines=config["data"]["remove_blank_lines"],
        decontamination=config["data"]["decontamination"],
        seed=config["seed"],
    script:
        "../scripts/data_prepare.py"
