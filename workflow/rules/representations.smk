# Stage 3, representations: typed recipes, and training pairs (IR4 x OR2, FIM PSM/SPM/plain, or
# the RepairLLaMA reproduction layout) of every recipe on ONE matched set of rows: a row is kept
# only if it fits max_length in the base model's (target) tokenizer under every recipe. Funnel
# tables per recipe; results/representations/matched.tsv counts the matching. Inference prompts
# are built from the same functions at generation time and kept beside each bug's candidates.


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
        token_ids=config["base_model"]["token_ids"],
        seed=config["seed"],
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/recipe.py"


rule training_pairs:
    input:
        train="results/data/train.parquet",
        test="results/data/test.parquet",
        recipes=expand("results/finetune/{recipe}/recipe.json", recipe=RECIPES),
        model=base_model_dir(),
    output:
        train=expand("results/representations/{recipe}/train.jsonl", recipe=RECIPES),
        eval=expand("results/representations/{recipe}/eval.jsonl", recipe=RECIPES),
        funnel=expand("results/representations/{recipe}/funnel.tsv", recipe=RECIPES),
        matched="results/representations/matched.tsv",
    log:
        "logs/representations/training_pairs.log",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/training_pairs.py"
