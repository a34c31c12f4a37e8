# Reviewer reproduction without GPUs. `snakemake bundle` packs a finished run's generated
# candidates, loss curves, counts, recipes, funnels, the per-bug results of every model on every
# benchmark (analysis/<benchmark>/per_bug.tsv, for reading), the configuration and the
# environment's versions into one archive with checksums; a run with `reproduce.bundle` set (a path or URL;
# config.reproduce.yaml) unpacks it, checks it, and regenerates verdicts, tables, figures and
# the paper from it on a CPU.

if not REPRODUCE:

    rule bundle_make:
        input:
            unpack(lambda wildcards: bundle_members() | reviewer_files()),
            model=base_model_dir(),
        output:
            "results/bundle/bundle.tar.gz",
        log:
            "logs/bundle/bundle.log",
        conda:
            "../../envs/data.yaml"
        params:
            members=bundle_members() | reviewer_files(),
            config=config,
        script:
            "../scripts/bundle_make.py"

else:

    localrules:
        bundle_fetch,

    rule bundle_fetch:
        output:
            f"{BUNDLE_DIR}.tar.gz",
        log:
            "logs/bundle/fetch.log",
        conda:
            "../../envs/data.yaml"
        params:
            source=config["reproduce"]["bundle"],
        script:
            "../scripts/bundle_fetch.py"

    rule bundle_unpack:
        input:
            bundle_archive(),
        output:
            [f"{BUNDLE_DIR}/{name}" for name in bundle_members()],
            f"{BUNDLE_DIR}/model/REVISION",
        log:
            "logs/bundle/unpack.log",
        conda:
            "../../envs/data.yaml"
        params:
            out_dir=BUNDLE_DIR,
            sha256=config["reproduce"]["sha256"],
            config=config,
        script:
            "../scripts/bundle_unpack.py"

    rule generate_from_bundle:
        input:
            f"{BUNDLE_DIR}/candidates/{{benchmark}}/{{model}}/candidates.jsonl",
        output:
            "results/generate/{benchmark}/{model}/candidates.jsonl",
        log:
            "logs/generate/{benchmark}/{model}.bundle.log",
        wildcard_constraints:
            model="|".join(GENERATED_RUNS) or "NONE",
        conda:
            "../../envs/data.yaml"
        shell:
            "cp {input} {output} 2> {log}"
