"""Entry points of the workflow's rules: explicit inputs, parameters and outputs, no globals.

Each function reads its inputs, calls the pure logic of one stage, and writes its outputs.
The scripts in ``workflow/scripts/`` only unpack Snakemake's object and call one of these.
"""

from __future__ import annotations

import contextlib
import hashlib
import io as _io
import json
import logging
import os
import shutil
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrepair.config import REFERENCE_MODELS
from fimrepair.io import read_jsonl, write_jsonl, write_tsv

log = logging.getLogger("fimrepair")


@contextlib.contextmanager
def logged(log_path: str | Path, threads: int = 1, offline: bool = True) -> Iterator[None]:
    """Send logging, warnings, stdout and stderr (tqdm progress included) to ``log_path``.

    ``threads`` caps the math libraries (torch reads OMP_NUM_THREADS when it is imported, which
    happens inside the step); a value already in the environment wins. ``offline`` (every rule
    but the downloads, which run on the submit host) sets the hub libraries' offline variables:
    a job on a compute node without internet uses only what the download rules fetched.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, threads)))
    if offline:
        from fimrepair.compute import go_offline

        go_offline()
    with open(log_path, "w", encoding="utf-8", buffering=1) as fh:
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        logging.captureWarnings(True)
        try:
            with contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
                yield
        except BaseException:
            logging.getLogger("fimrepair").exception("step failed")
            raise
        finally:
            from fimrepair.compute import release_gpus

            release_gpus()  # a GPU job's slot, logged while the log is still attached
            root.removeHandler(handler)


# --- data ---------------------------------------------------------------------------------


def data_synthetic(out: str | Path, n_rows: int, seed: int, generated_share: float = 0.0) -> None:
    """The project's own Megadiff-format set (offline), as parquet; ``generated_share`` of the
    clean rows are built on generated methods (:mod:`fimrepair.methodgen`)."""
    import pandas as pd

    from fimrepair.synthetic import generate_megadiff_rows

    rows = generate_megadiff_rows(n_rows, seed, generated_share)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(out, index=False)
    log.info("wrote %d synthetic Megadiff-format rows to %s", len(rows), out)


def data_prepare(
    out_train: str | Path,
    out_test: str | Path,
    out_funnel: str | Path,
    *,
    dataset: str,
    source: str,
    test_size: int,
    seed: int,
    hub_id: str | None = None,
    revision: str | None = None,
    path: str | None = None,
    bugs_jsonl: str | Path | Sequence[str | Path] | None = None,
    out_contaminated: str | Path | None = None,
    remove_blank_lines: bool = True,
    decontamination: Mapping[str, Any] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Load (streamed), filter, decontaminate against the benchmark bugs, split; write
    train/test parquet, the funnel table and the dropped (contaminated) rows. Returns the
    funnel rows."""
    import pandas as pd

    from fimrepair import data
    from fimrepair.config import DecontaminationSpec
    from fimrepair.decontaminate import EXACT, NEAR, decontaminate

    ds = data.load_rows(
        "local" if source in ("local", "synthetic") else source, hub_id=hub_id, revision=revision, path=path
    )
    examples, funnel = data.filter_rows(ds, dataset=dataset, progress=progress, remove_blank_lines=remove_blank_lines)
    contaminated: list[dict[str, Any]] = []
    if bugs_jsonl is not None:
        settings = DecontaminationSpec.from_section(decontamination)
        bug_files = [bugs_jsonl] if isinstance(bugs_jsonl, (str, Path)) else list(bugs_jsonl)
        bugs = [row for f in bug_files for row in read_jsonl(f)]
        examples, counts, contaminated = decontaminate(
            examples, bugs, threshold=float(settings.threshold), ngram=int(settings.ngram)
        )
        funnel.add_step("decontaminate exact", f"{EXACT} ({len(bugs)} bugs)", counts[EXACT])
        funnel.add_step(
            "decontaminate near",
            f"{NEAR} (token {settings.ngram}-gram Jaccard >= {settings.threshold})",
            counts[NEAR],
        )
    train, test = data.split_train_test(examples, test_size, seed)
    funnel.add_step("test split", f"seeded test split ({len(test)} rows held out)", len(test))
    columns = list(data.EXAMPLE_COLUMNS)
    for rows, out in ((train, out_train), (test, out_test)):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame([e.to_dict() for e in rows], columns=columns).to_parquet(out, index=False)
    if out_contaminated is not None:
        write_jsonl(out_contaminated, contaminated)
    table = funnel.table()
    assert table[-1]["rows_out"] == len(train), "funnel does not add up"
    write_tsv(out_funnel, table)
    log.info(
        "%s: %d rows in, %d kept (%d train, %d test), %d contaminated",
        dataset,
        funnel.rows_in,
        len(examples),
        len(train),
        len(test),
        len(contaminated),
    )
    return table


# --- benchmark ----------------------------------------------------------------------------


def benchmark_tiny(out_dir: str | Path) -> None:
    from fimrepair.tinybench import write_tiny_benchmark

    ids = write_tiny_benchmark(Path(out_dir))
    log.info("wrote the tiny benchmark (%d bugs) to %s", len(ids), out_dir)


def benchmark_download(out_dir: str | Path, repo: str, commit: str) -> None:
    """Fetch ``repo`` at ``commit`` from GitHub as a tarball and unpack it into ``out_dir``."""
    url = f"https://codeload.github.com/{repo}/tar.gz/{commit}"
    log.info("downloading %s", url)
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - fixed https host
        payload = response.read()
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=_io.BytesIO(payload), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        (top,) = list(Path(tmp).iterdir())
        shutil.move(str(top), str(out_dir))
    Path(out_dir, "REVISION").write_text(f"{repo}@{commit}\n")


def benchmark_bugs(
    root: str | Path,
    out: str | Path,
    *,
    name: str,
    include: Sequence[str] | None,
    exclude: Sequence[str],
    out_crosscheck: str | Path | None = None,
    remove_blank_lines: bool = False,
    kind: str = "humaneval-java",
    out_settings: str | Path | None = None,
    java_level: int | str | None = "declared",
) -> None:
    """Bug records of the configured subset, the cross-check against the benchmark's own
    metadata where it has any, and its settings (``settings.json``: the Java level candidates
    compile at, declared and used, the validation heap and the tests' own timeout)."""
    from fimrepair.benchmarks import open_benchmark

    bench = open_benchmark(kind, Path(root), name)
    bugs = bench.extract_bugs(include, exclude, remove_blank_lines=remove_blank_lines)
    write_jsonl(out, (b.to_dict() for b in bugs))
    if out_crosscheck is not None:
        rows = bench.crosscheck(bugs)
        write_tsv(out_crosscheck, rows, columns=["bug_id", "check", "status", "detail"])
        unexpected = [r for r in rows if r["status"] == "unexpected"]
        log.info(
            "%s: cross-check %d rows, %d known upstream errors, %d unexpected",
            name,
            len(rows),
            sum(r["status"] == "known-upstream-error" for r in rows),
            len(unexpected),
        )
    if out_settings is not None:
        settings = {
            "benchmark": name,
            "kind": kind,
            "bugs": len(bugs),
            "java_level": bench.java_level(java_level),
            "java_level_setting": java_level,
            "declared_java_level": bench.declared_java_level(),
            "heap_mb": bench.heap_mb,
            "test_timeout_ms": bench.test_timeout_ms,
        }
        Path(out_settings).write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("%s: %d bugs extracted from %s", name, len(bugs), root)


# --- model --------------------------------------------------------------------------------


def model_tiny(
    train_parquet: str | Path,
    out_dir: str | Path,
    out_loss: str | Path,
    *,
    spec: Mapping[str, Any],
    sentinels: str,
    seed: int,
) -> None:
    """The offline tiny base model, pre-trained on the fixed functions of the TRAINING split
    only (never on benchmark code)."""
    import pandas as pd

    from fimrepair.config import TinyModelSpec
    from fimrepair.fim import sentinels as get_sentinels
    from fimrepair.tinymodel import build_tiny_model as build

    corpus = sorted(set(pd.read_parquet(train_parquet)["fixed_function"]))
    curve = build(corpus, get_sentinels(sentinels), TinyModelSpec.from_section(spec), seed, Path(out_dir))
    write_tsv(out_loss, curve)


def model_scratch(
    train_parquet: str | Path,
    out_dir: str | Path,
    out_loss: str | Path,
    *,
    tokenizer_dir: str | Path,
    spec: Mapping[str, Any],
    sentinels: str,
    seed: int,
    token_ids: Mapping[str, int] | None = None,
) -> None:
    """The paper-shaped run's model: small, of the paper model's family, around the real
    tokenizer, pre-trained briefly on the fixed functions of the TRAINING split only."""
    import pandas as pd

    from fimrepair.config import TinyModelSpec
    from fimrepair.fim import sentinels as get_sentinels
    from fimrepair.tinymodel import build_scratch_model as build

    corpus = sorted(set(pd.read_parquet(train_parquet)["fixed_function"]))
    model_spec = TinyModelSpec.from_section(spec)
    curve = build(Path(tokenizer_dir), corpus, get_sentinels(sentinels), model_spec, seed, Path(out_dir), token_ids)
    Path(out_dir, "REVISION").write_text(
        f"scratch Llama (hidden {model_spec.hidden_size}, {model_spec.num_layers} layers) around the tokenizer of {Path(tokenizer_dir).name}\n"
    )
    write_tsv(out_loss, curve)


def model_facts(model_dir: str | Path, out: str | Path, *, sentinels: str, token_ids: Mapping[str, int] | None) -> None:
    """The base model's facts (sentinel family, token ids; :class:`fimrepair.tokenizer.ModelFacts`)
    as JSON, once its tokenizer has passed the load-time check with them: the one place the
    later stages (representations, recipes, generation) read them from."""
    from fimrepair.tokenizer import ModelFacts

    facts = ModelFacts(sentinels, dict(token_ids) if token_ids else None)
    facts.load_tokenizer(model_dir)  # raises TokenizerError, naming the folder, unless it checks out
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    facts.save(out)
    log.info("base model %s: sentinels %s, token ids %s", model_dir, facts.sentinels, facts.token_ids or "not fixed")


def data_download(out_dir: str | Path, *, repo_id: str, revision: str) -> None:
    """The Megadiff-format dataset's train files at ``revision`` (data.source hub, hub_full)."""
    download_hub(out_dir, repo_id=repo_id, revision=revision, repo_type="dataset")


def model_download(out_dir: str | Path, *, repo_id: str, revision: str) -> None:
    """The base model's weights and tokenizer at ``revision`` (base_model.source hub)."""
    download_hub(out_dir, repo_id=repo_id, revision=revision)


def adapter_download(out_dir: str | Path, *, repo_id: str, revision: str) -> None:
    """A published LoRA adapter at ``revision`` (a model with adapter hub)."""
    download_hub(out_dir, repo_id=repo_id, revision=revision)


def download_hub(out_dir: str | Path, *, repo_id: str, revision: str, repo_type: str = "model") -> None:
    """Download the files the pipeline reads (:mod:`fimrepair.hub`) of a hub repository at
    ``revision``, and record the commit it resolved to."""
    from huggingface_hub import HfApi, snapshot_download

    from fimrepair.hub import dataset_files, model_files

    api = HfApi()
    info = api.repo_info(repo_id, revision=revision, repo_type=repo_type)
    names = api.list_repo_files(repo_id, revision=info.sha, repo_type=repo_type)
    wanted = dataset_files(names) if repo_type == "dataset" else model_files(names)
    log.info("%s@%s: fetching %d of %d files: %s", repo_id, info.sha, len(wanted), len(names), ", ".join(wanted))
    snapshot_download(repo_id, revision=info.sha, repo_type=repo_type, local_dir=str(out_dir), allow_patterns=wanted)
    Path(out_dir, "REVISION").write_text(f"{repo_id}@{info.sha}\n")
    log.info("%s@%s resolved to %s", repo_id, revision, info.sha)


# --- representations and fine-tuning ------------------------------------------------------


def recipe(
    out: str | Path,
    *,
    name: str,
    spec: Mapping[str, Any],
    lora: Mapping[str, Any],
    training: Mapping[str, Any],
    sentinels: str,
    seed: int,
    token_ids: Mapping[str, int] | None = None,
) -> None:
    """The typed recipe ``name`` (``recipes.<name>`` as ``spec``, with the shared LoRA and
    training settings, and the base model's sentinel family and token ids from the model
    stage's ``model.json``), validated, as JSON."""
    from fimrepair.recipe import Recipe
    from fimrepair.training_pairs import recipe_layout

    kind, fim_rate, spm_rate = recipe_layout(spec)
    r = Recipe.from_dict(
        {
            "name": name,
            "kind": kind,
            "fim_rate": fim_rate,
            "spm_rate": spm_rate,
            "token_ids": dict(token_ids) if token_ids else None,
            "sentinels": sentinels,
            "seed": seed,
            "lora": dict(lora),
            "train": {k: v for k, v in training.items() if k != "seeds"},  # a run's seed is `seed`
        }
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    r.save(Path(out))


def training_pairs(
    train_parquet: str | Path,
    test_parquet: str | Path,
    representations: Mapping[str, Mapping[str, Any]],
    out_dirs: Sequence[str | Path],
    *,
    sentinels: str,
    token_ids: Mapping[str, int] | None = None,
    model_dir: str | Path | None = None,
    out_matched: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Prompt/completion pairs of every recipe, train and eval (test) split, on matched rows.

    ``representations`` maps each recipe's name to its
    :class:`~fimrepair.training_pairs.Representation` settings
    (:func:`~fimrepair.training_pairs.representation_settings`); ``sentinels`` and ``token_ids``
    are the base model's (its ``model.json``). Writes ``train.jsonl``, ``eval.jsonl`` and
    ``funnel.tsv`` into each recipe's ``out_dir`` (in the order of ``representations``). With
    ``model_dir`` (the base model, i.e. the TARGET tokenizer, loaded and checked by
    :func:`fimrepair.tokenizer.load_tokenizer`), each pair's token counts are stored with it and
    a row is kept only if it fits ``max_length`` under EVERY recipe (see
    :mod:`fimrepair.training_pairs`); both steps are counted in each recipe's funnel and, per
    recipe and split, in ``out_matched``. Returns the funnel rows of all recipes.
    """
    import pandas as pd

    from fimrepair.tokenizer import ModelFacts
    from fimrepair.training_pairs import Representation, count_tokens, matched_row_ids, recipe_pairs

    if len(representations) != len(out_dirs) or not representations:
        raise ValueError(
            f"need one output folder per recipe, got {len(representations)} recipes and {len(out_dirs)} folders"
        )
    recipes = [Representation(name=name, **settings) for name, settings in representations.items()]
    facts = ModelFacts(sentinels, dict(token_ids) if token_ids else None)
    st = facts.sentinel_set()
    tokenizer = facts.load_tokenizer(model_dir) if model_dir is not None else None
    funnels: dict[str, list[dict[str, Any]]] = {r.name: [] for r in recipes}
    matched_rows: list[dict[str, Any]] = []
    kept: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for split_name, src in (("train", train_parquet), ("eval", test_parquet)):
        rows = pd.read_parquet(src).to_dict("records")
        pairs = {r.name: recipe_pairs(rows, r, st) for r in recipes}
        for r in recipes:
            funnels[r.name].append(
                _funnel_row(r.name, split_name, "input", len(rows), len(rows), f"{split_name} split rows")
            )
        if tokenizer is None:
            for r in recipes:
                kept[(r.name, split_name)] = pairs[r.name]
            continue
        for r in recipes:
            count_tokens(tokenizer, pairs[r.name])
        lengths = {name: {p["row_id"]: p["tokens"] for p in ps} for name, ps in pairs.items()}
        limits = {r.name: r.max_length for r in recipes}
        matched = matched_row_ids(lengths, limits)
        for r in recipes:
            alone = sum(n <= limits[r.name] for n in lengths[r.name].values())
            reason = f"longer than {limits[r.name]} tokens in this recipe (dropped, not truncated)"
            funnels[r.name].append(_funnel_row(r.name, split_name, "length", len(rows), alone, reason))
            others = ", ".join(x.name for x in recipes if x.name != r.name) or "none"
            funnels[r.name].append(
                _funnel_row(
                    r.name, split_name, "matched", alone, len(matched), f"too long in another recipe ({others})"
                )
            )
            kept[(r.name, split_name)] = [p for p in pairs[r.name] if p["row_id"] in matched]
            matched_rows.append(
                {"recipe": r.name, "split": split_name, "rows": len(rows), "fit": alone, "matched": len(matched)}
            )
    for r, out_dir in zip(recipes, out_dirs, strict=True):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        if not kept[(r.name, "train")]:
            raise ValueError(f"recipe {r.name}: no training pair fits max_length={r.max_length} under every recipe")
        for split_name in ("train", "eval"):
            rows_out = [{k: v for k, v in p.items() if k != "fixed"} for p in kept[(r.name, split_name)]]
            n = write_jsonl(out_dir / f"{split_name}.jsonl", rows_out)
            log.info("recipe %s: %d %s pairs -> %s", r.name, n, split_name, out_dir)
        write_tsv(out_dir / "funnel.tsv", funnels[r.name])
    if out_matched is not None:
        write_tsv(out_matched, matched_rows, columns=["recipe", "split", "rows", "fit", "matched"])
    return [row for r in recipes for row in funnels[r.name]]


def _funnel_row(recipe: str, split_name: str, step: str, rows_in: int, rows_out: int, reason: str) -> dict[str, Any]:
    return {
        "dataset": f"recipe {recipe} ({split_name})",
        "step": step,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "reason": reason,
    }


def finetune(
    model_dir: str | Path,
    recipe_json: str | Path,
    train_pairs: str | Path,
    eval_pairs: str | Path,
    out_adapter: str | Path,
    out_loss: str | Path,
    out_counts: str | Path,
    *,
    checkpoint_dir: str | Path,
    allow_cpu: bool = False,
) -> None:
    """Fine-tune one recipe on the GPU (the CPU only with ``allow_cpu``), resuming from a
    matching checkpoint in ``checkpoint_dir``.

    On one machine the job first takes ``training.processes`` of the workflow's GPUs
    (:func:`fimrepair.compute.acquire_gpus`); with one process it trains here, with more it
    starts that many DDP processes with torchrun (:func:`finetune_process` in each; rank 0
    writes the outputs) and fails, with the workers' log, if any of them does."""
    from fimrepair.compute import acquire_gpus
    from fimrepair.recipe import Recipe

    recipe = Recipe.load(Path(recipe_json))
    acquire_gpus(recipe.train.processes, f"finetune {recipe.name}")  # before anything touches CUDA
    args = {
        "model_dir": str(model_dir),
        "recipe_json": str(recipe_json),
        "train_pairs": str(train_pairs),
        "eval_pairs": str(eval_pairs),
        "out_adapter": str(out_adapter),
        "out_loss": str(out_loss),
        "out_counts": str(out_counts),
        "checkpoint_dir": str(checkpoint_dir),
        "allow_cpu": allow_cpu,
    }
    if recipe.train.processes == 1:
        finetune_process(**args)
        return
    launch_ddp(recipe.train.processes, args, f"finetune {recipe.name}")


def launch_ddp(processes: int, args: Mapping[str, Any], what: str) -> None:
    """Run :func:`finetune_process` in ``processes`` DDP processes on this node (torchrun,
    ``--standalone``); their output goes to this process's stdout (the job's log). Each process
    gets the job's CPUs (Slurm's, else ``OMP_NUM_THREADS``) / ``processes`` threads. Raises if
    the launcher fails."""
    import subprocess
    import sys

    cpus = os.environ.get("SLURM_CPUS_PER_TASK") or os.environ.get("OMP_NUM_THREADS") or "1"
    threads = max(1, int(cpus) // processes)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={processes}",
        "-m",
        "fimrepair.ddp_worker",
        json.dumps(dict(args)),
    ]
    log.info("%s: launching %d DDP processes: %s", what, processes, " ".join(cmd[:6]))
    sys.stdout.flush()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=_die_with_parent
    )
    assert proc.stdout is not None
    tail: list[str] = []
    for line in proc.stdout:
        sys.stdout.write(line)
        tail = [*tail[-40:], line]
    if proc.wait() != 0:
        raise RuntimeError(f"{what}: torchrun exited with {proc.returncode}; its last lines:\n{''.join(tail)}")


def _die_with_parent() -> None:
    """In a child: receive SIGTERM when the job's process dies (Linux), so a killed job does
    not leave its DDP launcher running; torchrun then stops its workers."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def finetune_process(
    *,
    model_dir: str,
    recipe_json: str,
    train_pairs: str,
    eval_pairs: str,
    out_adapter: str,
    out_loss: str,
    out_counts: str,
    checkpoint_dir: str,
    allow_cpu: bool,
) -> None:
    """One training process (the only one, or one DDP rank): Unsloth first when it is the
    backend (before anything touches CUDA, so its allocator settings apply), the device check,
    training; rank 0 writes the loss table and the counts."""
    from fimrepair.compute import import_unsloth, require_device
    from fimrepair.recipe import Recipe

    recipe = Recipe.load(Path(recipe_json))
    if recipe.train.backend == "unsloth":
        import_unsloth()
    require_device(allow_cpu, f"finetune {recipe.name}")
    from fimrepair.finetune import train_lora
    from fimrepair.training_batches import world

    curve, counts = train_lora(
        Path(model_dir),
        read_jsonl(train_pairs),
        read_jsonl(eval_pairs),
        recipe,
        Path(out_adapter),
        checkpoint_dir=Path(checkpoint_dir),
    )
    if world()[0] == 0:
        write_tsv(out_loss, curve, columns=["recipe", "step", "epoch", "loss", "split"])
        Path(out_counts).write_text(json.dumps({"recipe": recipe.name, **counts}, indent=2) + "\n")


# --- generation and validation ------------------------------------------------------------


def generate(
    model_dir: str | Path,
    adapter_dir: str | Path | None,
    bugs_jsonl: str | Path,
    out: str | Path,
    *,
    model_name: str,
    prompt_style: str,
    sentinels: str,
    decoding: Mapping[str, int],
    seed: int,
    token_ids: Mapping[str, int] | None = None,
    allow_cpu: bool = False,
) -> None:
    """Candidates of every bug on the GPU (the CPU only with ``allow_cpu``). Finished bugs go
    to ``<out>.partial`` at once; a rerun resumes from it, and it is removed at the end."""
    from fimrepair.compute import acquire_gpus, require_device

    acquire_gpus(1, f"generate {model_name}")  # one machine: this job's own GPU (before torch)
    require_device(allow_cpu, f"generate {model_name}")
    import torch

    from fimrepair.config import GenerationSpec
    from fimrepair.fim import sentinels as get_sentinels
    from fimrepair.generate import generate_candidates, load_model
    from fimrepair.io import ResumableJsonl, dir_identity

    identity = {
        "model_name": model_name,
        "prompt_style": prompt_style,
        "sentinels": sentinels,
        "decoding": dict(decoding),
        "seed": seed,
        "base_model": dir_identity(model_dir),
        "adapter": dir_identity(adapter_dir, hash_all=True) if adapter_dir else None,
    }
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    partial_path = Path(str(out) + ".partial")
    partial = ResumableJsonl(partial_path, fingerprint)
    if partial.discarded:
        log.warning("generate %s: discarded %s (%s)", model_name, partial_path, partial.discarded)
    try:
        torch.manual_seed(seed)
        st = get_sentinels(sentinels)
        model, tokenizer = load_model(Path(model_dir), Path(adapter_dir) if adapter_dir else None, st, token_ids)
        rows = generate_candidates(
            model,
            tokenizer,
            read_jsonl(bugs_jsonl),
            prompt_style,
            st,
            GenerationSpec.from_section(decoding),
            model_name,
            partial=partial,
        )
    finally:
        partial.close()
    write_jsonl(out, rows)
    partial_path.unlink()


def generate_skipped(out: str | Path, *, model_name: str, reason: str) -> None:
    """The note of a model that is planned but not generated (``models.<name>.skip``)."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(f"{model_name}: not evaluated in this configuration: {reason}\n", encoding="utf-8")
    log.info("%s skipped: %s", model_name, reason)


def generate_reference(bugs_jsonl: str | Path, out: str | Path, *, model_name: str) -> None:
    from fimrepair.generate import reference_candidates

    write_jsonl(out, reference_candidates(read_jsonl(bugs_jsonl), model_name))


def validate(
    bugs_jsonl: str | Path,
    candidates_jsonl: str | Path,
    benchmark_root: str | Path,
    out: str | Path,
    *,
    per_candidate_timeout_s: float,
    compile_grace_s: float,
    workers: int,
    out_timings: str | Path | None = None,
    cache_dir: str | Path | None = None,
    engine: str = "engine",
    kind: str = "humaneval-java",
    java_level: int | str | None = "declared",
) -> None:
    """Verdicts of every candidate (:func:`fimrepair.validate.run.validate_file`, the code
    ``fimrepair validate`` runs): the persistent sandboxed engine (``engine="fresh"``: a fresh
    javac + java per candidate), deduplicated, with the on-disk verdict cache ``cache_dir`` (a
    killed run resumes without validating anything twice). The benchmark of ``kind`` gives the
    support classes, the heap and (``java_level`` = ``"declared"``) the Java level.

    ``out`` gets the verdicts without the measured times (the same bytes on every run from
    scratch: :func:`fimrepair.validate.run.split_timings`), ``out_timings`` (TSV) the times
    (None: ``out`` keeps them)."""
    from fimrepair.validate.run import validate_file

    validate_file(
        candidates_jsonl,
        benchmark_root,
        out,
        bugs=bugs_jsonl,
        kind=kind,
        java_level=java_level,
        engine=engine,
        per_candidate_timeout_s=per_candidate_timeout_s,
        compile_grace_s=compile_grace_s,
        workers=workers,
        cache_dir=cache_dir,
        out_timings=out_timings,
    )


# --- analysis and paper -------------------------------------------------------------------


def analysis(
    verdict_files: Sequence[str | Path],
    bugs_jsonl: str | Path,
    loss_files: Sequence[str | Path],
    funnel_tsv: str | Path | Sequence[str | Path],
    out_summary: str | Path,
    out_pairwise: str | Path,
    generated_dir: str | Path,
    *,
    models: Sequence[str],
    config_name: str,
    reference_plausible: int | None,
    reference_label: str,
    reference_bugs: int,
    model_dir: str | Path | None = None,
    counts_files: Sequence[str | Path] = (),
    skipped_files: Sequence[str | Path] = (),
    reference_exact: int | None = None,
    reference_model: str | None = None,
    generation: Mapping[str, int] | None = None,
    settings_json: str | Path | None = None,
    statistics: Mapping[str, Any] | None = None,
    out_uncertainty: Mapping[str, str | Path] | None = None,
    seeds: Mapping[str, int] | None = None,
) -> None:
    """Summaries, statistics, figures, tables and ``numbers.tex`` from all verdicts of the
    primary benchmark (``settings_json``: its settings, for the Java level macro).

    ``statistics`` holds ``alpha``, ``power``, ``bootstrap_resamples`` and ``seed`` (defaults:
    the schema's ``analysis`` keys and the global seed); ``out_uncertainty`` the paths of the
    ``per_bug``, ``at_k``, ``effects`` and ``seeds`` tables (:func:`uncertainty`); ``seeds`` maps
    the verdict file of a run with a training seed to that seed (:func:`read_verdicts`): such runs
    are summarised and tested one by one as ``<model>-s<seed>``.
    Fails (after writing the tables) when the reference models are not at 100% / 0%.
    """
    import pandas as pd

    from fimrepair import analysis, paper
    from fimrepair.config import GenerationSpec

    verdicts = read_verdicts(verdict_files, seeds)
    bug_ids = [b["bug_id"] for b in read_jsonl(bugs_jsonl)]
    n_bugs = len(bug_ids)
    real = [m for m in models if m not in REFERENCE_MODELS]
    by_run, run_labels = analysis.label_runs(verdicts, real)
    summary = analysis.summarise(by_run, n_bugs, models=run_labels)
    pairs = analysis.pairwise(by_run, run_labels, n_bugs, keep=analysis.same_seed_pairs(verdicts))
    stats = statistics_settings(statistics)
    tables = uncertainty(verdicts, bug_ids, real, stats, {})
    tables["effects"] = analysis.with_pairwise_p(tables["effects"], pairs, verdicts)
    for name, path in (out_uncertainty or {}).items():
        tables[name].to_csv(path, sep="\t", index=False)
    contrast = _seeded_contrast(summary, verdicts)
    loss = (
        pd.concat([pd.read_csv(f, sep="\t") for f in loss_files], ignore_index=True) if loss_files else pd.DataFrame()
    )
    funnel_files = [funnel_tsv] if isinstance(funnel_tsv, (str, Path)) else list(funnel_tsv)
    funnel = pd.concat([pd.read_csv(f, sep="\t", keep_default_na=False) for f in funnel_files], ignore_index=True)
    summary.to_csv(out_summary, sep="\t", index=False)
    pairs.to_csv(out_pairwise, sep="\t", index=False)
    reference = (
        (reference_label, float(reference_plausible))
        if reference_plausible is not None and n_bugs == reference_bugs
        else None
    )
    revision_file = Path(model_dir, "REVISION") if model_dir else None
    revision = revision_file.read_text().strip() if revision_file and revision_file.is_file() else "tiny offline model"
    macros = {
        "ConfigName": config_name,
        "ModelRevision": revision,
        "NCandidatesPerBug": int(by_run.groupby(["model", "bug_id"]).size().max()),
    }
    gen = GenerationSpec.from_section(generation)
    macros |= {"NumBeams": int(gen.num_beams), "MaxNewTokens": int(gen.max_new_tokens)}
    if settings_json is not None:
        macros["JavaLevel"] = analysis.java_level_text(json.loads(Path(settings_json).read_text())["java_level"])
    # one row per recipe: its seeds train on the same rows and steps (the first seed's counts)
    recipe_counts: list[dict[str, Any]] = []
    for f in counts_files:
        counts = json.loads(Path(f).read_text())
        if counts["recipe"] not in {c["recipe"] for c in recipe_counts}:
            recipe_counts.append(counts)
    skipped = {
        Path(f).parent.name: Path(f).read_text(encoding="utf-8").split(": ", 2)[-1].strip() for f in skipped_files
    }
    reproduction = {
        "model": analysis.runs_of(verdicts, reference_model) if reference_model else None,
        "label": reference_label,
        "plausible": reference_plausible,
        "exact": reference_exact,
        "published_bugs": reference_bugs,
    }
    paper.write_paper_inputs(
        generated_dir,
        summary,
        pairs,
        funnel,
        loss,
        by_run,
        macros,
        reference=reference,
        recipe_counts=recipe_counts,
        reproduction=reproduction,
        skipped=skipped,
        uncertainty={**tables, "alpha": stats["alpha"], "contrast": contrast and paper.DEFAULT_CONTRAST},
        contrast=contrast,
    )
    analysis.check_references(summary, by_run)
    log.info("analysis of %d models on %d bugs written", len(summary), n_bugs)


def read_verdicts(files: Sequence[str | Path], seeds: Mapping[str, int] | None = None) -> Any:
    """The verdict rows of ``files`` in one frame; with ``seeds`` (verdict file -> training seed
    of the run that wrote it) a ``seed`` column, ``<NA>`` for the files it does not name."""
    import pandas as pd

    frames = []
    for f in files:
        df = pd.DataFrame(read_jsonl(f))
        if seeds:
            df["seed"] = seeds.get(str(f), pd.NA)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    if seeds:
        out["seed"] = out["seed"].astype("Int64")
    return out


def _seeded_contrast(summary: Any, verdicts: Any) -> tuple[str, str] | None:
    """With seeds, the headline pair (``fim`` vs ``nofim``, :data:`DEFAULT_CONTRAST`) at their
    first seed's run labels."""
    from fimrepair import analysis
    from fimrepair.paper import DEFAULT_CONTRAST

    if "seed" not in verdicts or verdicts["seed"].isna().all():
        return None
    runs = analysis.runs(analysis.with_seed(verdicts))
    first = {}
    for model, seed in runs:
        first.setdefault(model, analysis.run_label(model, seed))
    a, b = (first.get(m) for m in DEFAULT_CONTRAST)
    return (a, b) if a and b and {a, b} <= set(summary["model"]) else None


def statistics_settings(statistics: Mapping[str, Any] | None) -> dict[str, Any]:
    """The analysis' statistical settings: ``alpha``, ``power``, ``bootstrap_resamples`` (the
    schema's ``analysis`` defaults) and the bootstrap ``seed`` (the global seed's default)."""
    from fimrepair.config import DEFAULT_SEED, AnalysisSpec

    defaults = AnalysisSpec()
    out = {k: getattr(defaults, k) for k in ("alpha", "power", "bootstrap_resamples")} | {"seed": DEFAULT_SEED}
    return out | dict(statistics or {})


def uncertainty(
    verdicts: Any,
    bug_ids: Sequence[str],
    models: Sequence[str],
    stats: Mapping[str, Any],
    out: Mapping[str, str | Path],
) -> dict[str, Any]:
    """Per-bug outcomes, plausible@k / exact@k, paired differences with their bootstrap
    intervals and minimum detectable differences, and the seeds' spread
    (:mod:`fimrepair.analysis.effects`) of one benchmark; each written as TSV to ``out[name]``
    when given. Returns the frames by name."""
    from fimrepair import analysis

    bugs = analysis.per_bug(verdicts, bug_ids, models=models)
    frames = {
        "per_bug": bugs,
        "at_k": analysis.at_k(bugs, len(bug_ids)),
        "effects": analysis.paired_differences(
            bugs,
            models,
            bug_ids,
            n_resamples=int(stats["bootstrap_resamples"]),
            seed=int(stats["seed"]),
            alpha=float(stats["alpha"]),
            power=float(stats["power"]),
        ),
        "seeds": analysis.seed_spread(bugs, [m for m in models if m not in REFERENCE_MODELS]),
    }
    for name, path in out.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        frames[name].to_csv(path, sep="\t", index=False)
    return frames


def analysis_benchmark(
    verdict_files: Sequence[str | Path],
    bugs_jsonl: str | Path,
    out_summary: str | Path,
    out_pairwise: str | Path,
    out_table: str | Path,
    out_figure: str | Path,
    *,
    models: Sequence[str],
    statistics: Mapping[str, Any] | None = None,
    out_uncertainty: Mapping[str, str | Path] | None = None,
    seeds: Mapping[str, int] | None = None,
) -> None:
    """One benchmark's summary, pairwise tests, results table and figure (every evaluated
    model and the published sets for it), and its :func:`uncertainty` tables; fails when the
    reference models are off."""

    from fimrepair import analysis

    verdicts = read_verdicts(verdict_files, seeds)
    bug_ids = [b["bug_id"] for b in read_jsonl(bugs_jsonl)]
    n_bugs = len(bug_ids)
    real = [m for m in models if m not in REFERENCE_MODELS]
    by_run, run_labels = analysis.label_runs(verdicts, real)
    summary = analysis.summarise(by_run, n_bugs, models=run_labels)
    pairs = analysis.pairwise(by_run, run_labels, n_bugs, keep=analysis.same_seed_pairs(verdicts))
    tables = uncertainty(verdicts, bug_ids, real, statistics_settings(statistics), {})
    tables["effects"] = analysis.with_pairwise_p(tables["effects"], pairs, verdicts)
    for name, path in (out_uncertainty or {}).items():
        tables[name].to_csv(path, sep="\t", index=False)
    summary.to_csv(out_summary, sep="\t", index=False)
    pairs.to_csv(out_pairwise, sep="\t", index=False)
    Path(out_table).parent.mkdir(parents=True, exist_ok=True)
    Path(out_table).write_text(analysis.table_benchmark(summary), encoding="utf-8")
    analysis.fig_fixed(summary, out_figure)
    analysis.check_references(summary, by_run)
    log.info("benchmark analysis: %d models on %d bugs", len(summary), n_bugs)


def paper_benchmarks(
    settings_files: Sequence[str | Path],
    tables: Sequence[str | Path],
    figures: Sequence[str | Path],
    out_tex: str | Path,
) -> None:
    """The paper's per-benchmark section (:func:`fimrepair.analysis.text_benchmarks`); table and
    figure paths are written relative to the paper's folder (the parent of ``generated/``)."""
    from fimrepair import analysis

    base = Path(out_tex).parent.parent
    entries = []
    for settings, table, figure in zip(settings_files, tables, figures, strict=True):
        info = json.loads(Path(settings).read_text())
        rel = lambda p: Path(p).resolve().relative_to(base.resolve()).as_posix()  # noqa: E731
        entries.append(
            {
                "name": info["benchmark"],
                "bugs": info["bugs"],
                "java_level": info["java_level"],
                "table": rel(table),
                "figure": rel(figure),
            }
        )
    Path(out_tex).write_text(analysis.text_benchmarks(entries), encoding="utf-8")


def published_download(out: str | Path, url: str) -> None:
    """A published patch file, from its pinned URL."""
    download_url(out, url)


def bundle_fetch(out: str | Path, url: str) -> None:
    """A reviewer bundle, from the URL ``reproduce.bundle``."""
    download_url(out, url)


def download_url(out: str | Path, url: str) -> None:
    """Fetch ``url`` to ``out`` and record where it came from (``<out>.source``: the URL and
    the sha256 of what was fetched)."""
    log.info("downloading %s", url)
    with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310 - configured URL
        payload = response.read()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(payload)
    Path(str(out) + ".source").write_text(f"{url}\nsha256 {hashlib.sha256(payload).hexdigest()}\n")


def published_tiny(bugs_jsonl: str | Path, out: str | Path) -> None:
    """A small published patch file in RepairLLaMA's format for the tiny configuration, made
    from the benchmark's own bugs (:func:`fimrepair.published.tiny_published_rows`)."""
    from fimrepair.published import tiny_published_rows

    write_jsonl(out, tiny_published_rows(read_jsonl(bugs_jsonl)))


def published_candidates(published: str | Path, out: str | Path, *, system: str, benchmark: str) -> None:
    """A published patch file to the candidates format (the authors' verdicts kept)."""
    from fimrepair.published import convert

    rows = convert(read_jsonl(published), system, benchmark, where=str(published))
    write_jsonl(out, rows)
    log.info(
        "%s: %d bugs, %d candidates from %s", system, len(rows), sum(len(r["candidates"]) for r in rows), published
    )


def published_analysis(
    systems: Sequence[Mapping[str, Any]], out_tsv: str | Path, out_tex: str | Path
) -> list[dict[str, Any]]:
    """The published-patch table: per system (``name``, ``label``, ``benchmark``, ``candidates``,
    ``verdicts``, ``verdicts_jdk``, ``bugs``, ``settings``: file paths) its authors' claims beside
    this pipeline's verdicts (:func:`fimrepair.published.compare`)."""
    from fimrepair import analysis
    from fimrepair.published import compare

    rows = []
    for s in systems:
        bugs = read_jsonl(s["bugs"])
        level = json.loads(Path(s["settings"]).read_text())["java_level"]
        res = compare(
            read_jsonl(s["candidates"]),
            read_jsonl(s["verdicts"]),
            read_jsonl(s["verdicts_jdk"]),
            {b["bug_id"]: b["method_name"] for b in bugs},
        )
        row = {
            "system": s["name"],
            "label": s.get("label") or s["name"],
            "benchmark": s["benchmark"],
            "java_level": level,
            **{f"claimed_{k}": res["claimed"][k] for k in ("plausible", "exact", "compilable", "candidates")},
            "plausible": res["ours"]["plausible"],
            "exact": res["ours"]["exact"],
            "compilable": res["ours"]["compilable"],
            "plausible_jdk": res["ours_jdk"]["plausible"],
            "candidates": res["compared"],
            "agree": res["agree"],
            "compile_agree": res["compile_agree"],
            "level_changed": res["level_changed"],
            "unstable": res["unstable"],
            **{f"dis_{k}": v for k, v in res["disagreements"].items()},
        }
        log.info(
            "published %s: claimed %s, here %s (JDK level: %s), agreement %d/%d, disagreements %s, examples %s",
            s["name"],
            res["claimed"],
            res["ours"],
            res["ours_jdk"],
            res["agree"],
            res["compared"],
            res["disagreements"],
            res["examples"],
        )
        rows.append(row)
    write_tsv(out_tsv, rows, columns=list(rows[0]) if rows else list(analysis.PUBLISHED_COLUMNS))
    Path(out_tex).parent.mkdir(parents=True, exist_ok=True)
    Path(out_tex).write_text(analysis.table_published(rows), encoding="utf-8")
    return rows


def bundle_make(
    members: Mapping[str, str | Path], model_dir: str | Path, out: str | Path, *, config: Mapping[str, Any]
) -> None:
    """The reviewer bundle (:mod:`fimrepair.bundle`): ``members`` (name -> file of this run),
    the base model's ``REVISION`` (or what the analysis says without one), the configuration
    and the environment."""
    from fimrepair.bundle import make_bundle

    revision = Path(model_dir, "REVISION")
    with tempfile.TemporaryDirectory() as tmp:
        rev = Path(tmp) / "REVISION"
        rev.write_text(revision.read_text() if revision.is_file() else "tiny offline model\n")
        sums = make_bundle(
            {**{k: Path(v) for k, v in members.items()}, "model/REVISION": rev}, out, config=dict(config)
        )
    log.info("bundle %s: %d files, sha256 %s", out, len(sums), hashlib.sha256(Path(out).read_bytes()).hexdigest())


def bundle_unpack(
    archive: str | Path, out_dir: str | Path, *, config: Mapping[str, Any], sha256: str | None = None
) -> None:
    """Unpack and check a reviewer bundle; its run's configuration must equal this one (the
    ``reproduce`` key aside), else the error names the keys that differ."""
    from fimrepair.bundle import BundleError, config_differences, unpack_bundle

    sums = unpack_bundle(archive, out_dir, sha256=sha256)
    bundled = json.loads(Path(out_dir, "config.json").read_text())
    differ = config_differences(bundled, config)
    if differ:
        raise BundleError(
            f"{archive} was made with another configuration: keys {', '.join(differ)} differ (run with the bundled run's configuration files)"
        )
    env = json.loads(Path(out_dir, "environment.json").read_text())
    log.info(
        "bundle %s: %d files checked; made with Python %s, %s",
        archive,
        len(sums),
        env.get("python"),
        env.get("packages"),
    )


def paper_pdf(
    tex_sources: Sequence[str | Path], generated_dir: str | Path, out_pdf: str | Path, log_path: str | Path
) -> None:
    """Copy ``main.tex`` and ``refs.bib`` beside the generated inputs and build the PDF."""
    from fimrepair import paper

    build_dir = Path(out_pdf).parent
    build_dir.mkdir(parents=True, exist_ok=True)
    for src in tex_sources:
        shutil.copy2(src, build_dir / Path(src).name)
    if Path(generated_dir).resolve() != (build_dir / "generated").resolve():
        raise ValueError(f"generated inputs must live in {build_dir / 'generated'}, not {generated_dir}")
    if not paper.build_pdf(build_dir, log_path, out_dir=build_dir):
        raise RuntimeError(f"latexmk is not installed; see {log_path}")


def paper_skipped(out: str | Path, log_path: str | Path) -> None:
    """The note that replaces the PDF when TeX is not installed."""
    message = (
        "The paper PDF was NOT built: latexmk is not on PATH (TeX is not installed).\n"
        "Its inputs are ready in results/paper/generated/. Install TeX Live (latexmk,\n"
        "texlive-latex-recommended) and run the workflow again to build results/paper/main.pdf.\n"
    )
    Path(out).write_text(message)
    Path(log_path).write_text(message)
    print(message)
