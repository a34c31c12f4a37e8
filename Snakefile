# fimrepair: does FIM-aligned LoRA fine-tuning make DeepSeek-Coder a better Java repairer?
# Thin by design: configuration, validation, one include per stage, named targets.
#   snakemake --cores all --profile slurm                          # the paper, on Slurm
#   snakemake --cores 2 --configfile config.tiny.yaml              # toy scale, CPU, offline
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/representations.smk"
include: "workflow/rules/finetune.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/bundle.smk"


# Cheap or network-bound rules run where Snakemake runs (compute nodes may lack internet):
# the downloads fetch everything the cluster jobs need, which then run offline.
localrules:
    all,
    models,
    results,
    paper,
    bundle,
    data_synthetic,
    benchmark_tiny,
    benchmark_download,
    data_download,
    benchmark_bugs,
    model_download,
    model_facts,
    adapter_download,
    recipe,
    generate_reference,
    published_download,
    published_tiny,
    published_candidates,


rule all:
    input:
        all_targets(),


rule models:
    input:
        model_targets(),


rule results:
    input:
        result_targets(),


rule paper:
    input:
        paper_targets(),


rule bundle:
    input:
        bundle_targets(),
