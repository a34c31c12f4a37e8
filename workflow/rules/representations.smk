# Stage 4, representations: training pairs (IR4 x OR2, FIM PSM/SPM/plain, or
# the RepairLLaMA reproduction layout) of every recipe on ONE matched set of rows: a row is kept
# only if it fits max_length in the base model's (target) tokenizer under every recipe. It reads
# the data, the base model and its facts (model stage) and each recipe's representation settings
# (layout, rates, seed, max_length), no training hyperparameter: changing one retrains, it does
# not rebuild the pairs. Funnel tables per recipe; results/representations/matched.tsv counts
# the matching. Inference prompts are built from the same functions at generation time and kept
# beside each bug's candidates.


rule training_pairs:
    input:
        train="results/data/train.parquet",
        test="results/data/test.parquet",
        model=base_model_dir(),
        facts="results/model/model.json",
    output:
        train=expand("results/representations/{recipe}/train.jsonl", recipe=RECIPES),
        eval=expand("results/representations/{recipe}/eval.jsonl", recipe=RECIPES),
        funnel=expand("results/representations/{recipe}/funnel.tsv", recipe=RECIPES),
        matched="results/representations/matched.tsv",
    log:
        "logs/representations/training_pairs.log",
    conda:
        "../../envs/data.yaml"
    params:
        representations=representation_params(),
    script:
        "../scripts/training_pairs.py"
