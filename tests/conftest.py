"""Shared fixtures. Heavy objects (the tiny model) are built once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HUMANEVAL = SHARED / "humaneval-java"
REPAIRLLAMA_PROMPTS = SHARED / "repairllama-humaneval-prompts"


JUNIT = Path("/usr/share/java/junit4.jar")
JAVA_SKIP_REASON = "needs javac/java on PATH and /usr/share/java/junit4.jar (Debian junit4)"


def java_available() -> bool:
    return shutil.which("javac") is not None and shutil.which("java") is not None and JUNIT.is_file()


# --- the workflow, copied and run outside the checkout -----------------------------------------

WORKFLOW_FILES = (
    "Snakefile",
    "config.yaml",
    "config.tiny.yaml",
    "config.smoke.yaml",
    "config.reproduce.yaml",
    "workflow",
    "envs",
    "paper",
    "slurm",
)
"""What a run of the workflow needs besides the package: a copy of these runs it elsewhere."""


def copy_workflow(dest: Path) -> Path:
    """The workflow (:data:`WORKFLOW_FILES`) copied to ``dest``, so that a run's outputs stay out
    of the checkout; returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    return dest


def run_workflow(work: Path, *args: str, timeout: float, what: str) -> Path:
    """``snakemake --cores 2 <args>`` in ``work`` (a :func:`copy_workflow`); the test fails
    with the end of Snakemake's output, naming ``what`` ran, unless it succeeds. Skipped
    without Java (the validate stage needs Java 17 and JUnit 4)."""
    if not java_available():
        pytest.skip("javac or /usr/share/java/junit4.jar is missing: the validate stage needs Java 17 and JUnit 4")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        pytest.fail(f"{what} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return work


# --- the validation tests' five-bug benchmark (tests/data/minibench) --------------------------

MINIBENCH = Path(__file__).resolve().parent / "data" / "minibench"
"""Five bugs in the HumanEval-Java layout (ADD, CLAMP, SPIN, ABS, NEG; see its README.md)."""

MINIBENCH_IDS = ("ABS", "ADD", "CLAMP", "NEG", "SPIN")

ASSUME_NONE = "        org.junit.Assume.assumeTrue(false);\n        return x + y;"
ASSUME_SECOND = "        org.junit.Assume.assumeTrue(x != 2);\n        return x + y;"  # TEST_ADD.test_1 calls add(2, 3)
#: ADD candidates that differ only inside a string literal: plausible and failing.
LITERAL_2 = '        String s = "a  b";\n        return s.length() == 4 ? x + y : 0;'
LITERAL_1 = '        String s = "a b";\n        return s.length() == 4 ? x + y : 0;'


def write_minibench(root: Path) -> Path:
    """A fresh copy of :data:`MINIBENCH` at ``root`` (tests may add bugs to it); returns ``root``."""
    shutil.copytree(MINIBENCH / "src", Path(root) / "src")
    return Path(root)


@pytest.fixture(scope="module")
def minibench(tmp_path_factory: pytest.TempPathFactory):  # -> tuple[Path, dict[str, Bug]]
    """One copy of the five-bug benchmark per test module, and its bugs by id."""
    from fimrepair.bugs import extract_bugs

    root = write_minibench(tmp_path_factory.mktemp("minibench"))
    bugs = {b.bug_id: b for b in extract_bugs(root, "tiny")}
    assert tuple(sorted(bugs)) == MINIBENCH_IDS
    return root, bugs


def with_body(bug, body: str) -> str:
    """A candidate method for ``bug``: its signature line with a new body."""
    signature = bug.buggy_function.splitlines()[0]
    return f"{signature}\n{body}\n    }}\n"


def write_ignored_bug(root: Path):  # -> Bug
    """A bug IGN whose only test is @Ignore'd: no test runs, whatever the candidate."""
    from fimrepair.bugs import extract_bug

    buggy = (
        "package humaneval.buggy;\n\npublic class IGN {\n    public static int one() {\n        return 2;\n    }\n}\n"
    )
    (root / "src/main/java/humaneval/buggy/IGN.java").write_text(buggy)
    (root / "src/main/java/humaneval/correct/IGN.java").write_text(buggy.replace("return 2;", "return 1;"))
    (root / "src/test/java/humaneval/TEST_IGN.java").write_text(
        "package humaneval;\n\npublic class TEST_IGN {\n    @org.junit.Ignore @org.junit.Test\n"
        "    public void test_0() {\n        org.junit.Assert.assertEquals(1, humaneval.buggy.IGN.one());\n    }\n}\n"
    )
    return extract_bug(root, "IGN", "tiny")


def check_the_plausible_rule(validator, root: Path, add) -> None:
    """An assumption-skipped test (the first, or a later one) and a run of no test at all are
    not plausible (shared by the fresh validator's and the engine's tests)."""
    from fimrepair.validate import Status
    from fimrepair.validate.verdict import ASSUMPTION_SKIPPED, NO_TEST_RAN

    v = validator.validate(add, with_body(add, ASSUME_NONE))
    assert v.status is Status.FAILING and v.failing_test == "TEST_ADD.test_0", v
    assert (v.message or "").startswith(ASSUMPTION_SKIPPED) and "AssumptionViolatedException" in (v.message or "")
    v = validator.validate(add, with_body(add, ASSUME_SECOND))
    assert v.status is Status.FAILING and v.failing_test == "TEST_ADD.test_1", v
    ign = write_ignored_bug(root)
    v = validator.validate(ign, ign.fixed_function)
    assert v.status is Status.FAILING and v.message == NO_TEST_RAN and v.failing_test is None, v


@pytest.fixture(scope="session")
def humaneval_root() -> Path:
    if not (HUMANEVAL / "src").is_dir():
        pytest.skip(f"../shared/humaneval-java is absent ({HUMANEVAL}); it is only present beside the project checkout")
    return HUMANEVAL


# --- small training data and recipes for the fine-tuning tests ---------------------------------


def split_bugs(n: int) -> list[dict[str, object]]:
    """``n`` bug records (prefix, buggy and fixed chunk, suffix) split from synthetic rows."""
    from fimrepair.region import split
    from fimrepair.synthetic import generate_megadiff_rows

    rows = []
    for row in generate_megadiff_rows(200, seed=3):
        if len(rows) == n:
            break
        try:
            s = split(row["buggy_function"], row["fixed_function"])
        except ValueError:
            continue
        if s.prefix and s.fixed_chunk:
            rows.append(
                {
                    "benchmark": "t",
                    "bug_id": f"B{len(rows)}",
                    "row_id": f"r{len(rows)}",
                    "prefix": s.prefix,
                    "buggy_chunk": s.buggy_chunk,
                    "fixed_chunk": s.fixed_chunk,
                    "suffix": s.suffix,
                }
            )
    assert len(rows) == n
    return rows


def small_recipe(**train: object):  # -> Recipe
    """A fim recipe that trains the tiny model for a few steps (``train`` overrides settings;
    an override of None leaves the setting at :class:`~fimrepair.recipe.TrainSpec`'s default)."""
    from fimrepair.recipe import Recipe, TrainSpec

    spec = {
        "backend": "hf",
        "learning_rate": 5e-3,
        "max_steps": 10,
        "batch_size": 4,
        "gradient_accumulation": 2,
        "logging_steps": 2,
        "max_length": 256,
        "eval_rows": 4,
        "save_steps": 4,
        **train,
    }
    spec = {key: value for key, value in spec.items() if value is not None}
    return Recipe(
        name="fim", kind="fim", sentinels="deepseek-coder", seed=1, fim_rate=0.9, spm_rate=0.5, train=TrainSpec(**spec)
    )


def fim_pairs() -> list[dict[str, str]]:
    """24 training pairs of :func:`small_recipe` (FIM 0.9, SPM 0.5)."""
    from fimrepair.fim import sentinels
    from fimrepair.prompts import training_pair

    return [
        training_pair(r, "fim", sentinels("deepseek-coder"), seed=1, fim_rate=0.9, spm_rate=0.5) for r in split_bugs(24)
    ]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model (tokenizer + Llama), built once for the whole session."""
    import torch

    from fimrepair.fim import sentinels
    from fimrepair.synthetic import fixed_functions
    from fimrepair.tinymodel import TinyModelSpec, build_tiny_model

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("tiny-model")
    build_tiny_model(
        fixed_functions(300, seed=7),
        sentinels("deepseek-coder"),
        TinyModelSpec(vocab_size=800, pretrain_steps=30),
        7,
        out,
        progress=False,
    )
    return out


# --- the data stages on a folder of test files -------------------------------------------------


def prepare_data(
    folder: Path, *, test_size: int, seed: int, dataset: str = "t", progress: bool = False, **options: object
) -> list[dict]:
    """The data stage on ``folder/rows.parquet`` (a local source): writes ``train.parquet``,
    ``test.parquet`` and ``funnel.tsv`` into ``folder``; returns the funnel table. ``options``
    go to the stage (``bugs_jsonl``, ``out_contaminated``...)."""
    from fimrepair.stages import data as data_stage

    return data_stage.data_prepare(
        folder / "train.parquet",
        folder / "test.parquet",
        folder / "funnel.tsv",
        dataset=dataset,
        source="local",
        test_size=test_size,
        seed=seed,
        path=str(folder / "rows.parquet"),
        progress=progress,
        **options,
    )


def recipes_and_pairs(
    folder: Path,
    recipes: dict[str, dict[str, object]],
    *,
    training: dict[str, object] | None = None,
    seed: int = 1,
    **options: object,
) -> list[dict]:
    """Each recipe (name -> its kind and rates) written to ``folder/<name>/recipe.json`` with the
    ``training`` settings, and its training pairs made from ``folder``'s train and test split
    (:func:`prepare_data`) into ``folder/<name>/`` with the representation settings the workflow
    gives the stage (the recipe's layout and max length); returns the funnel. ``options`` go to
    the stage (``model_dir``, ``out_matched``)."""
    from fimrepair.recipe import Recipe
    from fimrepair.stages import finetune as finetune_stage
    from fimrepair.stages import representations as representations_stage
    from fimrepair.training_pairs import representation_settings

    representations = {}
    for name, spec in recipes.items():
        finetune_stage.recipe(
            folder / name / "recipe.json",
            name=name,
            spec=spec,
            lora={},
            training=dict(training or {}),
            sentinels="deepseek-coder",
            seed=seed,
        )
        max_length = Recipe.load(folder / name / "recipe.json").train.max_length
        representations[name] = representation_settings(spec, seed=seed, max_length=max_length)
    return representations_stage.training_pairs(
        folder / "train.parquet",
        folder / "test.parquet",
        representations,
        [folder / name for name in recipes],
        sentinels="deepseek-coder",
        **options,
    )
