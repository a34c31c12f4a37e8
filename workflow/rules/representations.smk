# Stage 3, representations: typed recipes, and training pairs (IR4 x OR2 or FIM PSM/SPM),
# length-filtered in the base model's (target) tokenizer, with a per-recipe funnel table.
# Inference prompts are built from the same functions at generation time and kept in the
# candidates file beside each bug's candidates.


rule recipe:
    output:
        "results/finetune/{recipe}/recipe.json",
    log:
        "logs/finetune/{recipe}/recipe.log",
    params:
        recipe=recipe_config,
        lora=config["lora"],
        training=config["training"],
        sentinels=config["base_model"]["sentinels"],
        seed=config["seed"],
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/recipe.py"


rule representations_train:
    input:
        train="results/data/train.parquet",
        test="results/data/test.parquet",
        recipe="results/finetune/{recipe}/recipe.json",
        model=base_model_dir(),
    output:
        train="results/representations/{recipe}/train.jsonl",
        eval="results/representations/{recipe}/eval.jsonl",
        funnel="results/representations/{recipe}/funnel.tsv",
    log:
        "logs/representations/{recipe}.log",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/representations_train.py"
