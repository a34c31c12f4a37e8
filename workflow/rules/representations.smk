# Stage 3, representations: training pairs (IR4 x OR2, FIM PSM/SPM/plain, or
# the RepairLLaMA reproduction layout) of every recipe on ONE matched set of rows: a row is kept
# only if it fits max_length in the base model's (target) tokenizer under every recipe (the
# typed recipes are made by the finetune stage's rule `recipe`). Funnel
# tables per recipe; results/representations/matched.tsv counts the matching. Inference prompts
# are built from the same functions at generation time and kept beside each bug's candidates.


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
