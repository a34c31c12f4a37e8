# Configuration checks, wildcard constraints, input functions and final targets.
import shutil
from pathlib import Path

from snakemake.utils import validate

from fimrepair.config import ConfigError, check, models_to_evaluate

validate(config, schema="../schemas/config.schema.yaml")
try:
    for _warning in check(config):
        logger.warning(f"config: {_warning}")
except ConfigError as _err:
    raise WorkflowError(f"invalid configuration: {_err}") from None

REFERENCE_MODELS = ["oracle", "identity"]
SKIPPED_MODELS = [m for m in config["evaluate"] if config["models"][m].get("skip")]
GENERATED_MODELS = [m for m in config["evaluate"] if m not in SKIPPED_MODELS]
MODELS = [m for m in models_to_evaluate(config) if m not in SKIPPED_MODELS]
RECIPES = config["train"]
BENCH = config["benchmark"]["name"]
HAVE_LATEXMK = shutil.which("latexmk") is not None

wildcard_constraints:
    recipe="|".join(config["recipes"]) or "NONE",
    model="|".join(MODELS + SKIPPED_MODELS),
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


def benchmark_root():
    source = config["benchmark"]["source"]
    if source == "local":
        return config["benchmark"]["root"]
    return f"resources/benchmarks/{BENCH}"


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


def recipe_config(wildcards):
    return config["recipes"][wildcards.recipe]


def prompt_style(wildcards):
    return config["models"][wildcards.model]["prompt"]


def adapter_input(wildcards):
    """The adapter a model needs (none for the zero-shot base)."""
    model = config["models"][wildcards.model]
    if model["adapter"] == "recipe":
        return {"adapter": f"results/finetune/{model['recipe']}/adapter"}
    if model["adapter"] == "hub":
        return {"adapter": f"resources/adapters/{wildcards.model}"}
    return {}


def hub_adapter(wildcards):
    model = config["models"][wildcards.hubmodel]
    return {"repo_id": model["hub_id"], "revision": model.get("revision", "main")}


def verdict_files(wildcards=None):
    return expand("results/validate/{model}/verdicts.jsonl", model=MODELS)


def skipped_files(wildcards=None):
    return expand("results/generate/{model}/SKIPPED.txt", model=SKIPPED_MODELS)


def counts_files(wildcards=None):
    return expand("results/finetune/{recipe}/counts.json", recipe=RECIPES)


def loss_files(wildcards=None):
    return expand("results/finetune/{recipe}/loss.tsv", recipe=RECIPES)


def model_targets():
    return expand("results/finetune/{recipe}/adapter", recipe=RECIPES)


def result_targets():
    return ["results/analysis/summary.tsv", "results/analysis/pairwise.tsv"]


def paper_targets():
    return ["results/paper/main.pdf"] if HAVE_LATEXMK else ["results/paper/SKIPPED.txt"]


def all_targets():
    return [*result_targets(), *paper_targets()]
