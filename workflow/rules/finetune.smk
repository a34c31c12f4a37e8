# Stage 5, finetune: one LoRA adapter per recipe, completion-only loss, loss curve as a table.


rule finetune:
    input:
        model=base_model_dir(),
        recipe="results/finetune/{recipe}/recipe.json",
        train="results/representations/{recipe}/train.jsonl",
        eval="results/representations/{recipe}/eval.jsonl",
    output:
        adapter=directory("results/finetune/{recipe}/adapter"),
        loss="results/finetune/{recipe}/loss.tsv",
        counts="results/finetune/{recipe}/counts.json",
    log:
        "logs/finetune/{recipe}/train.log",
    benchmark:
        "benchmarks/finetune/{recipe}.tsv"
    threads: 1
    resources:
        gpu=1,
    conda:
        "../../envs/ml.yaml"
    script:
        "../scripts/finetune.py"
