# Stage 5, finetune: the typed recipe (a rule input of training, so editing it retrains; the
# base model's sentinels and token ids come from the model stage's model.json), one
# LoRA adapter per recipe and training seed, completion-only loss, loss curve as a table.
# With training.seeds other than [seed], {recipe} is a run <recipe>/seed<N>: its recipe file
# differs only in `seed` (data order and LoRA initialisation); it trains on <recipe>'s pairs.
# Checkpoints go to results/checkpoints/{recipe}/, outside the declared outputs: Snakemake
# deletes a failed job's outputs, not them, so a rerun (or a requeued Slurm job) resumes.


rule recipe:
    input:
        facts="results/model/model.json",
    output:
        "results/finetune/{recipe}/recipe.json",
    log:
        "logs/finetune/{recipe}/recipe.log",
    conda:
        "../../envs/data.yaml"
    params:
        name=recipe_name,
        spec=recipe_config,
        lora=config["lora"],
        training={k: v for k, v in config["training"].items() if k != "seeds"},
        seed=recipe_seed,
    script:
        "../scripts/recipe.py"


rule finetune:
    input:
        model=base_model_dir(),
        recipe="results/finetune/{recipe}/recipe.json",
        train=representation("train"),
        eval=representation("eval"),
    output:
        adapter=directory("results/finetune/{recipe}/adapter"),
        loss="results/finetune/{recipe}/loss.tsv",
        counts="results/finetune/{recipe}/counts.json",
    log:
        "logs/finetune/{recipe}/train.log",
    benchmark:
        "benchmarks/finetune/{recipe}.tsv"
    conda:
        "../../envs/gpu.yaml"
    threads: 1
    # training.processes GPUs (DDP on one node). For Slurm, CPUs and host memory scale with
    # them (8 CPUs and 64 GB + 32 GB per GPU: 96 GB for one; the profile sets the time and
    # GPU model); a run on one machine bounds only `gpu` (common.smk).
    resources:
        gpu=TRAIN_PROCESSES,
        cpus_per_task=8 * TRAIN_PROCESSES,
        mem_mb=64000 + 32000 * TRAIN_PROCESSES,
    params:
        checkpoints=checkpoint_dir,
        allow_cpu=config["compute"]["allow_cpu"],
    script:
        "../scripts/finetune.py"
