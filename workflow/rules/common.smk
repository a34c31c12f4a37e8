# Configuration checks, wildcard constraints, input functions and final targets.
import os
import shutil
from pathlib import Path

from snakemake.utils import validate

from fimrepair.compute import GPU_SLOTS_ENV, visible_gpu_ids
from fimrepair.config import REFERENCE_MODELS, ConfigError, benchmark_specs, check, models_to_evaluate
from fimrepair.training_pairs import representation_settings

validate(config, schema="../schemas/config.schema.yaml")
try:
    for _warning in check(config):
        logger.warning(f"config: {_warning}")
except ConfigError as _err:
    raise WorkflowError(f"invalid configuration: {_err}") from None

SKIPPED_MODELS = [m for m in config["evaluate"] if config["models"][m].get("skip")]
GENERATED_MODELS = [m for m in config["evaluate"] if m not in SKIPPED_MODELS]
MODELS = [m for m in models_to_evaluate(config) if m not in SKIPPED_MODELS]
RECIPES = config["train"]
PUBLISHED_NAMES = [p["name"] for p in config["published"]]
# Training seeds (training.seeds; null = the global seed). With only the global seed every path is
# as before (results/finetune/<recipe>/...); otherwise every fine-tune is a run <recipe>/seed<N>,
# and every model with a recipe adapter a run <model>/seed<N>, each generated and validated.
SEEDS = config["training"]["seeds"] or [config["seed"]]
SEEDED = SEEDS != [config["seed"]]
RECIPE_RUNS = {(f"{recipe}/seed{seed}" if SEEDED else recipe): (recipe, seed) for recipe in RECIPES for seed in SEEDS}


def model_runs(model):
    """A model's runs: one per training seed for a model with a recipe adapter, else the model."""
    if SEEDED and config["models"].get(model, {}).get("adapter") == "recipe":
        return [f"{model}/seed{seed}" for seed in SEEDS]
    return [model]


# run -> (model, seed; None for a model without a training seed of its own)
MODEL_RUNS = {
    run: (model, seed if SEEDED and run != model else None)
    for model in [*models_to_evaluate(config), *PUBLISHED_NAMES]
    for run, seed in zip(model_runs(model), SEEDS if len(model_runs(model)) > 1 else [None])
}
RUNS = [run for model in MODELS for run in model_runs(model)]
GENERATED_RUNS = [run for model in GENERATED_MODELS for run in model_runs(model)]
# Benchmarks: the primary one (decontamination, headline tables) first, then the others.
BENCHMARKS = benchmark_specs(config)
PRIMARY = config["benchmark"]["name"]
PUBLISHED = {p["name"]: p for p in config["published"]}
HAVE_LATEXMK = shutil.which("latexmk") is not None
# A run from a reviewer bundle: candidates, loss curves and counts come from the bundle.
REPRODUCE = config["reproduce"]["bundle"] is not None
BUNDLE_DIR = "resources/bundle"
# GPUs of one fine-tune (DDP processes); the GPU rules ask for this many / one GPU.
TRAIN_PROCESSES = config["training"]["processes"]

# One job per GPU on one machine (docs/gpu.md). Snakemake enforces a resource only when it is
# bounded, and pins no device; so a run without a cluster executor (no --jobs/nodes: a
# workstation) bounds `gpu` by the machine's GPUs (compute.gpus, else the visible ones) and
# exports their ids, from which each GPU job takes its own (fimrepair.compute.acquire_gpus,
# CUDA_VISIBLE_DEVICES). A --resources gpu=N given on the command line wins. Under Slurm the
# scheduler allocates the GPUs and Slurm sets CUDA_VISIBLE_DEVICES.
if workflow.is_main_process and workflow.nodes is None:
    GPU_IDS = visible_gpu_ids(config["compute"]["gpus"])
    if GPU_IDS:
        if "gpu" not in workflow.resource_settings.resources:
            workflow.global_resources["gpu"] = len(GPU_IDS)
        os.environ[GPU_SLOTS_ENV] = ",".join(GPU_IDS)
        _bound = workflow.global_resources["gpu"].value if "gpu" in workflow.global_resources else "unbounded"
        logger.info(
            f"GPUs for this run: {','.join(GPU_IDS)} (at most {_bound} at once; each GPU job pinned to its own)"
        )


wildcard_constraints:
    recipe="|".join([*config["recipes"], *RECIPE_RUNS]) or "NONE",
    model="|".join(RUNS + SKIPPED_MODELS + list(PUBLISHED)),
    benchmark="|".join(BENCHMARKS),
    system="|".join(PUBLISHED) or "NONE",
    hubmodel="[A-Za-z0-9_-]+",


def base_model_dir():
    """The base model's directory: built, downloaded or given."""
    source = config["base_model"]["source"]
    if source == "tiny":
        return "resources/models/tiny"
    if source == "hub":
        return "resources/models/base"
    if source == "scratch":
        return "resources/models/scratch"
    return config["base_model"]["path"]


def benchmark_root(wildcards):
    """The benchmark's checkout: local, or downloaded or built under resources/."""
    spec = BENCHMARKS[wildcards.benchmark]
    if spec["source"] == "local":
        return spec["root"]
    return f"resources/benchmarks/{wildcards.benchmark}"


def benchmark_spec(wildcards):
    return BENCHMARKS[wildcards.benchmark]


def benchmarks_from(source):
    return [name for name, spec in BENCHMARKS.items() if spec["source"] == source]


def bug_files(wildcards=None):
    """Every benchmark's bugs (the training data is decontaminated against all of them)."""
    return expand("results/benchmark/{benchmark}/bugs.jsonl", benchmark=BENCHMARKS)


def published_on(benchmark):
    return [name for name, p in PUBLISHED.items() if p["benchmark"] == benchmark]


def published_file(wildcards):
    """The published patch file of a system: local, or downloaded or made under resources/."""
    spec = PUBLISHED[wildcards.system]
    if spec["source"] == "local":
        return spec["path"]
    return f"resources/published/{wildcards.system}.jsonl"


def published_bugs(wildcards):
    return f"results/benchmark/{PUBLISHED[wildcards.system]['benchmark']}/bugs.jsonl"


def training_data_file():
    source = config["data"]["source"]
    if source == "synthetic":
        return "resources/data/synthetic.parquet"
    if source == "local":
        return config["data"]["path"]
    return "resources/data/megadiff"  # hub, hub_full: the train files, downloaded (data_download)


def checkpoint_dir(wildcards):
    """Fine-tuning checkpoints: outside the rule's outputs, which Snakemake deletes when a job
    fails, so that a rerun resumes."""
    return f"results/checkpoints/{wildcards.recipe}"


def recipe_name(wildcards):
    """The recipe of a fine-tuning run (``<recipe>`` or ``<recipe>/seed<N>``)."""
    return RECIPE_RUNS.get(wildcards.recipe, (wildcards.recipe, None))[0]


def recipe_config(wildcards):
    return config["recipes"][recipe_name(wildcards)]


def recipe_seed(wildcards):
    """A run's training seed (the global one for a recipe of a single run)."""
    return RECIPE_RUNS[wildcards.recipe][1] if wildcards.recipe in RECIPE_RUNS else config["seed"]


def representation_params():
    """Recipe -> what the representations stage reads of it (fimrepair.training_pairs.Representation):
    its layout and rates, the global seed where it draws FIM modes, and training.max_length.
    Nothing else of the training settings, so that changing them leaves the pairs as they are."""
    return {
        recipe: representation_settings(
            config["recipes"][recipe], seed=config["seed"], max_length=config["training"]["max_length"]
        )
        for recipe in RECIPES
    }


def representation(name):
    """Input function: a run's training pairs (``train``/``eval``), the same for all its seeds."""

    def files(wildcards):
        return f"results/representations/{recipe_name(wildcards)}/{name}.jsonl"

    return files


def model_name(wildcards):
    """The model of a run (``<model>`` or ``<model>/seed<N>``): what its records are called."""
    return MODEL_RUNS.get(wildcards.model, (wildcards.model, None))[0]


def prompt_style(wildcards):
    return config["models"][model_name(wildcards)]["prompt"]


def recipe_run(recipe, seed):
    return f"{recipe}/seed{seed}" if SEEDED else recipe


def adapter_input(wildcards):
    """The adapter a model needs (none for the zero-shot base)."""
    model = config["models"][model_name(wildcards)]
    if model["adapter"] == "recipe":
        return {"adapter": f"results/finetune/{recipe_run(model['recipe'], MODEL_RUNS[wildcards.model][1])}/adapter"}
    if model["adapter"] == "hub":
        return {"adapter": f"resources/adapters/{wildcards.model}"}
    return {}


def run_seeds(runs):
    """Verdict file -> training seed, for every run with a seed of its own (the analysis adds the
    seed to the verdicts it reads; records are named by their model)."""

    def seeds(wildcards):
        benchmarks = [wildcards.benchmark] if hasattr(wildcards, "benchmark") else [PRIMARY]
        return {
            f"results/validate/{benchmark}/{run}/verdicts.jsonl": MODEL_RUNS[run][1]
            for benchmark in benchmarks
            for run in runs
            if MODEL_RUNS.get(run, (None, None))[1] is not None
        }

    return seeds


def hub_adapter(wildcards):
    model = config["models"][wildcards.hubmodel]
    return {"repo_id": model["hub_id"], "revision": model["revision"]}


def verdict_files(wildcards=None):
    """The primary benchmark's verdicts of every evaluated model (the headline analysis)."""
    return expand("results/validate/{benchmark}/{model}/verdicts.jsonl", benchmark=PRIMARY, model=RUNS)


def benchmark_models(wildcards):
    """The models analysed on one benchmark: every evaluated model and the published sets for it."""
    return [*MODELS, *published_on(wildcards.benchmark)]


def benchmark_verdict_files(wildcards):
    return expand(
        "results/validate/{benchmark}/{model}/verdicts.jsonl",
        benchmark=wildcards.benchmark,
        model=[*RUNS, *published_on(wildcards.benchmark)],
    )


def published_inputs(wildcards=None):
    """Per published system: its candidates (with the authors' verdicts), this pipeline's
    verdicts at the benchmark's Java level and at the JDK's own, and the benchmark's bugs."""
    files = {}
    for name, p in PUBLISHED.items():
        files[f"{name}_candidates"] = f"results/generate/{p['benchmark']}/{name}/candidates.jsonl"
        files[f"{name}_verdicts"] = f"results/validate/{p['benchmark']}/{name}/verdicts.jsonl"
        files[f"{name}_verdicts_jdk"] = f"results/validate/{p['benchmark']}/{name}/verdicts.jdk.jsonl"
        files[f"{name}_bugs"] = f"results/benchmark/{p['benchmark']}/bugs.jsonl"
        files[f"{name}_settings"] = f"results/benchmark/{p['benchmark']}/settings.json"
    return files


def skipped_files(wildcards=None):
    return expand("results/generate/{benchmark}/{model}/SKIPPED.txt", benchmark=PRIMARY, model=SKIPPED_MODELS)


def bundle_members():
    """Name in the reviewer bundle -> the finished run's file: everything downstream of
    generation needs besides the benchmarks (which the reproducing run fetches itself)."""
    members = {}
    for benchmark in BENCHMARKS:
        for model in GENERATED_RUNS:
            members[f"candidates/{benchmark}/{model}/candidates.jsonl"] = (
                f"results/generate/{benchmark}/{model}/candidates.jsonl"
            )
    for recipe in RECIPE_RUNS:
        for name in ("loss.tsv", "counts.json", "recipe.json"):
            members[f"finetune/{recipe}/{name}"] = f"results/finetune/{recipe}/{name}"
    for recipe in RECIPES:
        members[f"representations/{recipe}/funnel.tsv"] = f"results/representations/{recipe}/funnel.tsv"
    members["data/funnel.tsv"] = "results/data/funnel.tsv"
    return members


def reviewer_files():
    """Bundle name -> result files a reviewer reads but a reproducing run recomputes: the per-bug
    outcomes of every model (and seed) on every benchmark (fimrepair.analysis.per_bug)."""
    return {
        f"analysis/{benchmark}/per_bug.tsv": f"results/analysis/{benchmark}/per_bug.tsv" for benchmark in BENCHMARKS
    }


def produced(path):
    """Where the analysis reads a file of the bundle: the run's own, or the unpacked bundle's."""
    if not REPRODUCE:
        return path
    inverse = {v: k for k, v in bundle_members().items()}
    return f"{BUNDLE_DIR}/{inverse[path]}"


def counts_files(wildcards=None):
    return [produced(f) for f in expand("results/finetune/{recipe}/counts.json", recipe=RECIPE_RUNS)]


def loss_files(wildcards=None):
    return [produced(f) for f in expand("results/finetune/{recipe}/loss.tsv", recipe=RECIPE_RUNS)]


def funnel_files(wildcards=None):
    return [
        produced(f)
        for f in ["results/data/funnel.tsv", *expand("results/representations/{recipe}/funnel.tsv", recipe=RECIPES)]
    ]


def analysis_model_input(wildcards=None):
    """The base model folder (its REVISION names the weights), or the bundle's record of it."""
    return f"{BUNDLE_DIR}/model/REVISION" if REPRODUCE else base_model_dir()


def statistics_params():
    """The analysis' statistical settings (fimrepair.stages.analysis.statistics_settings)."""
    return {
        "alpha": config["analysis"]["alpha"],
        "power": config["analysis"]["power"],
        "bootstrap_resamples": config["analysis"]["bootstrap_resamples"],
        "seed": config["seed"],
    }


def model_targets():
    return expand("results/finetune/{recipe}/adapter", recipe=RECIPE_RUNS)


def result_targets():
    return [
        "results/analysis/summary.tsv",
        "results/analysis/pairwise.tsv",
        "results/analysis/published.tsv",
        *expand("results/analysis/{benchmark}/summary.tsv", benchmark=BENCHMARKS),
    ]


def paper_targets():
    return ["results/paper/main.pdf"] if HAVE_LATEXMK else ["results/paper/SKIPPED.txt"]


def bundle_targets():
    return ["results/bundle/bundle.tar.gz"] if not REPRODUCE else []


def all_targets():
    return [*result_targets(), *paper_targets()]


def bundle_archive():
    """The bundle to reproduce from: a local path, or the download of an http(s) URL."""
    source = config["reproduce"]["bundle"]
    return f"{BUNDLE_DIR}.tar.gz" if source.startswith(("http://", "https://")) else source
