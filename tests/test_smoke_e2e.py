"""The paper-shaped run (config.smoke.yaml merged over config.yaml) end to end through Snakemake:
the paper configuration's recipes, models, training settings and beam search, with the real
DeepSeek-Coder tokenizer, a small scratch model of the paper model's family, the synthetic
Megadiff-shaped data and all 162 evaluated HumanEval-Java bugs (../shared)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import HUMANEVAL, SHARED, copy_workflow, run_workflow

TOKENIZER = SHARED / "deepseek-coder-tokenizer"
GENERATED = ["base", "repro", "nofim", "fim", "fim_psm"]
RECIPES = ["fim", "fim_psm", "nofim", "repro"]

pytestmark = [
    pytest.mark.smoke,
    pytest.mark.shared,
    pytest.mark.skipif(not (HUMANEVAL / "src").is_dir(), reason=f"../shared/humaneval-java is absent ({HUMANEVAL})"),
    pytest.mark.skipif(
        not (TOKENIZER / "tokenizer.json").is_file(),
        reason=f"../shared/deepseek-coder-tokenizer is absent ({TOKENIZER})",
    ),
]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = copy_workflow(tmp_path_factory.mktemp("smoke-run"))
    # config.smoke.yaml names ../shared relative to the checkout; this copy lives elsewhere.
    paths = {"base_model": {"tokenizer": str(TOKENIZER)}, "benchmark": {"root": str(HUMANEVAL)}}
    (work / "paths.yaml").write_text(yaml.safe_dump(paths))
    return run_workflow(work, "--configfile", "config.smoke.yaml", "paths.yaml", timeout=3600, what="paper-shaped run")


def test_162_bugs_per_model_and_the_reference_models(smoke_run: Path):
    summary = pd.read_csv(smoke_run / "results/analysis/summary.tsv", sep="\t").set_index("model")
    assert set(summary.index) == {*GENERATED, "oracle", "identity"}
    assert set(summary["bugs"]) == {162}
    assert summary.loc["oracle", "plausible"] == 162 and summary.loc["oracle", "exact"] == 162
    assert summary.loc["identity", "plausible"] == 0
    bugs = [
        json.loads(line)["bug_id"]
        for line in (smoke_run / "results/benchmark/humaneval-java/bugs.jsonl").read_text().splitlines()
    ]
    assert len(bugs) == 162 and "FIND_MAX" not in bugs
    for model in GENERATED:
        rows = [
            json.loads(line)
            for line in (smoke_run / f"results/validate/humaneval-java/{model}/verdicts.jsonl").read_text().splitlines()
        ]
        assert sorted({r["bug_id"] for r in rows}) == sorted(bugs)
        assert len(rows) == 10 * 162, model  # beam 10, 10 candidates a bug


def test_recipes_train_on_the_same_rows_with_the_paper_settings(smoke_run: Path):
    ids = {
        r: [
            json.loads(line)["row_id"]
            for line in (smoke_run / f"results/representations/{r}/train.jsonl").read_text().splitlines()
        ]
        for r in RECIPES
    }
    assert all(ids[r] == ids["nofim"] for r in RECIPES) and ids["nofim"]
    counts = {r: json.loads((smoke_run / f"results/finetune/{r}/counts.json").read_text()) for r in RECIPES}
    for r, c in counts.items():
        recipe = json.loads((smoke_run / f"results/finetune/{r}/recipe.json").read_text())
        train = recipe["train"]
        assert (train["batch_size"] * train["gradient_accumulation"], train["warmup_steps"], train["weight_decay"]) == (
            16,
            10,
            0.1,
        )
        assert train["gradient_checkpointing"] is False and train["optim"] == "adamw_torch" and recipe["seed"] == 42
        assert c["train"] == len(ids["nofim"]) and c["examples_per_step"] == 16
        assert c["optimizer_steps"] == 2 * math.ceil(c["train"] / 16)
        assert c["loss_tokens"] >= c["fix_tokens"] > 0
    assert counts["fim"]["loss_tokens"] > counts["fim"]["fix_tokens"]  # its plain rows are trained on their suffix too
    assert (
        counts["nofim"]["loss_tokens"] == counts["nofim"]["fix_tokens"] == counts["repro"]["loss_tokens"]
    )  # both: OR2 + EOS
    assert set(counts["fim"]["by_mode"]) == {"psm", "spm", "plain"} and set(counts["repro"]["by_mode"]) == {"psm"}
    funnel = pd.read_csv(smoke_run / "results/representations/matched.tsv", sep="\t")
    assert funnel.groupby("split")["matched"].nunique().eq(1).all()


def test_the_real_tokenizer_is_the_one_every_stage_used(smoke_run: Path):
    model_dir = smoke_run / "resources/models/scratch"
    assert (model_dir / "tokenizer.json").read_bytes() == (TOKENIZER / "tokenizer.json").read_bytes()
    config = json.loads((model_dir / "config.json").read_text())
    assert config["vocab_size"] == 32256 and config["architectures"] == ["LlamaForCausalLM"]
    prompt = json.loads(
        (smoke_run / "results/generate/humaneval-java/repro/candidates.jsonl").read_text().splitlines()[0]
    )["prompt"]
    assert prompt.startswith("<｜fim▁begin｜>") and "\n// buggy code\n" in prompt and prompt.endswith("<｜fim▁end｜>")


def test_the_seed_adapter_is_planned_skipped_and_said_so_in_the_paper(smoke_run: Path):
    reason = (smoke_run / "results/generate/humaneval-java/seed_recipe/SKIPPED.txt").read_text()
    assert "hub weights" in reason
    generated = smoke_run / "results/paper/generated"
    assert (
        "seed" in (generated / "skipped.tex").read_text() and "hub weights" in (generated / "skipped.tex").read_text()
    )
    repro = (generated / "tables/reproduction.tex").read_text()
    assert "134" in repro and "99" in repro and "repro" in repro
    recipes = (generated / "tables/recipes.tex").read_text()
    assert all(r.replace("_", r"\_") in recipes for r in RECIPES)
    if shutil.which("latexmk"):
        assert (smoke_run / "results/paper/main.pdf").read_bytes()[:4] == b"%PDF"
