"""The GPU check: run it (``make gpu-check``) on one GPU node before spending GPU hours.

Offline, in under 10 minutes on one H100/H200, with models it builds itself:
  1. device, CUDA runtime, NVIDIA driver and library versions;
  2. N LoRA optimiser steps with each backend (hf, unsloth) through the project's own
     ``train_lora``, on a randomly initialised Llama with DeepSeek-Coder-6.7B's layer shape
     (``--layers`` of its 32 layers) at the configuration's shape (``--configfile``, default
     config.yaml: micro-batch ``training.batch_size``, ``gradient_accumulation``,
     ``max_length``, ``gradient_checkpointing``; the paper: 4 x 4 x 1024): tokens/s per
     backend, their ratio, achieved model TFLOP/s and its share of the device's bf16 peak, and
     their losses compared at the same seed; with more than one GPU visible, the same with
     DDP over all of them (torchrun), and the scaling over one GPU;
  3. peak GPU memory of a training step at the configuration's micro-batch x max length with 1
     and 2 such layers, with and without gradient checkpointing, extrapolated per layer to the
     32-layer 6.7B model;
  4. beam-10 generation throughput of the full-size (32-layer, random) 6.7B model;
  5. a fine-tune of the tiny model killed (SIGKILL) after its first checkpoint and rerun: it
     must say it resumed, and end with the uninterrupted run's adapter;
and prints as its LAST line one JSON object: device, versions, tokens/s per backend and their
ratio, extrapolated peak memory, generation tokens/s, estimated GPU-hours of the paper run,
``ok``. The GPU-hour estimate counts the recipes (``train``), generated models
(``evaluate`` less skipped ones) and benchmarks (``benchmark`` + ``extra_benchmarks``) that the
configuration runs. Without a usable GPU it says so and exits 1 (nothing is measured).

    python bench/gpu_check.py [--configfile config.yaml ...] [--steps 10] [--layers 2] [--train-examples 35000]

``--cpu-smoke`` runs every step at toy sizes on the CPU (the project's own test of this
script; its numbers mean nothing and ``ok`` is false).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "src"))

# DeepSeek-Coder-6.7B-base (config.json): a Llama.
PAPER_SHAPE = {
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "vocab_size": 32256,
    "rope_theta": 100000.0,
}
PAPER_LAYERS = 32
SMOKE_SHAPE = {
    "hidden_size": 64,
    "intermediate_size": 176,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "vocab_size": 2048,
    "rope_theta": 10000.0,
}
LOSS_RTOL = 0.02  # hf vs unsloth loss per logged step, bf16
# Dense bf16 peak of the device (TFLOP/s, vendor datasheets, without sparsity), by name.
BF16_PEAK_TFLOPS = {"H200": 989.0, "H100 SXM": 989.0, "H100 80GB HBM3": 989.0, "H100 PCIe": 756.0, "H100 NVL": 835.0,
                    "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0}  # fmt: skip
# Bugs per benchmark kind (HumanEval-Java: 163 before `exclude`; QuixBugs' Java: 40).
BUGS_BY_KIND = {"humaneval-java": 163, "quixbugs": 40}


def merged_config(files: list[str]) -> dict[str, Any]:
    """The configuration files merged in order (nested mappings key by key, as Snakemake does)."""
    import yaml

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    config: dict[str, Any] = {}
    for f in files:
        config = merge(config, yaml.safe_load(Path(f).read_text()) or {})
    return config


def run_counts(config: dict[str, Any]) -> dict[str, Any]:
    """Recipes trained, models generated and benchmarks (with their bugs) the configuration runs."""
    models = config.get("models", {})
    generated = [m for m in config.get("evaluate", []) if not (models.get(m) or {}).get("skip")]
    benchmarks = {}
    for spec in (config["benchmark"], *config.get("extra_benchmarks", [])):
        kind = spec.get("kind", "humaneval-java")
        benchmarks[spec["name"]] = max(0, BUGS_BY_KIND.get(kind, 0) - len(spec.get("exclude", [])))
    return {
        "recipes": len(config.get("train", [])),
        "generated_models": len(generated),
        "benchmarks": len(benchmarks),
        "bugs": benchmarks,
    }


def bf16_peak(device: str) -> float | None:
    for name, peak in BF16_PEAK_TFLOPS.items():
        if name.lower() in device.lower():
            return peak
    return None


def train_flops_per_token(shape: dict[str, Any], layers: int, seq: float) -> float:
    """Model FLOPs per trained token of a LoRA step (the base frozen): the forward pass (2 per
    weight, the LM head included, plus causal attention 2 x seq x hidden per layer) and the
    backward pass through the activations (as much again; no weight gradients but LoRA's).
    Recomputation by gradient checkpointing is not counted (model FLOPs, not hardware FLOPs)."""
    h, i = shape["hidden_size"], shape["intermediate_size"]
    weights = layers * (4 * h * h + 3 * h * i) + shape["vocab_size"] * h
    forward = 2 * weights + layers * 2 * seq * h
    return 2 * forward


RESUME_ATOL = 1e-3  # resumed vs uninterrupted adapter on the GPU (non-deterministic kernels)


def log(message: str) -> None:
    print(f"[gpu-check {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- phases (each in its own process: Unsloth must be imported first in its process) -------


def java_pairs(tok: Any, n: int, tokens: int) -> list[dict[str, str]]:
    """``n`` prompt/completion pairs of about ``tokens`` tokens, cut from synthetic Java
    (``tok``: a ``tokenizers.Tokenizer``)."""
    from fimrepair.synthetic import generate_megadiff_rows

    text = "\n".join(r["fixed_function"] for r in generate_megadiff_rows(400, seed=1) if r["fixed_function"])
    ids = tok.encode(text, add_special_tokens=False).ids
    pairs = []
    for i in range(n):
        start = (i * 97) % max(1, len(ids) - tokens)
        chunk = ids[start : start + tokens - 8]
        cut = len(chunk) * 3 // 4
        pairs.append({"prompt": tok.decode(chunk[:cut]), "completion": tok.decode(chunk[cut:])})
    return pairs


def phase_train(a: argparse.Namespace) -> dict[str, Any]:
    """N steps of ``train_lora`` with one backend; tokens/s after two warm-up steps."""
    if a.backend == "unsloth":
        from fimrepair.compute import import_unsloth

        import_unsloth()  # first in this process, as in the pipeline
    import torch
    from tokenizers import Tokenizer
    from transformers import TrainerCallback

    from fimrepair.finetune import train_lora
    from fimrepair.recipe import Recipe, TrainSpec

    recipe = Recipe(
        name=f"check-{a.backend}",
        kind="nofim",
        sentinels="deepseek-coder",
        seed=7,
        train=TrainSpec(
            backend=a.backend,
            learning_rate=2e-4,
            max_steps=a.steps,
            batch_size=a.batch,
            gradient_accumulation=a.accumulation,
            gradient_checkpointing=a.checkpointing == "on",
            max_length=a.seq,
            logging_steps=1,
            eval_rows=0,
            bf16=not a.cpu_smoke,
            save_steps=0,
            processes=int(os.environ.get("WORLD_SIZE", "1")),
        ),
    )
    per_step = a.batch * a.accumulation
    tok = Tokenizer.from_file(str(Path(a.model) / "tokenizer.json"))
    pairs = java_pairs(tok, per_step * a.steps, a.seq)
    mean_tokens = sum(
        len(tok.encode(p["prompt"] + p["completion"], add_special_tokens=False).ids) + 2 for p in pairs
    ) / len(pairs)
    marks: list[float] = []

    class Clock(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            marks.append(time.perf_counter())

    curve, _ = train_lora(
        Path(a.model),
        pairs,
        [],
        recipe,
        Path(a.out) / "adapter",
        checkpoint_dir=Path(a.out) / "ckpt",
        callbacks=[Clock()],
    )
    timed = marks[2:] if len(marks) > 3 else marks
    seconds = (timed[-1] - timed[0]) / max(1, len(timed) - 1)
    return {
        "backend": a.backend,
        "world_size": int(os.environ.get("WORLD_SIZE", "1")),
        "tokens_per_s": round(per_step * mean_tokens / seconds, 1),
        "mean_tokens": round(mean_tokens, 1),
        "step_s": round(seconds, 4),
        "losses": [r["loss"] for r in curve if r["split"] == "train"],
        "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None,
    }


def phase_memory(a: argparse.Namespace) -> dict[str, Any]:
    """Peak memory of one LoRA training step at batch x seq, 1 and 2 layers, with and without
    gradient checkpointing; the per-layer increase extrapolated to 32 layers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    shape = SMOKE_SHAPE if a.cpu_smoke else PAPER_SHAPE
    result: dict[str, Any] = {}
    for checkpointing in (True, False):
        peaks = []
        for layers in (1, 2):
            torch.manual_seed(0)
            config = LlamaConfig(**shape, num_hidden_layers=layers, max_position_embeddings=16384)
            with torch.device(device):
                model = LlamaForCausalLM(config).to(torch.bfloat16 if cuda else torch.float32)
            model = get_peft_model(
                model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
            )
            if checkpointing:
                model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
                model.enable_input_require_grads()
            ids = torch.randint(0, shape["vocab_size"], (a.batch, a.seq), device=device)
            if cuda:
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
            model(input_ids=ids, labels=ids).loss.backward()
            peaks.append(torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0)
            del model, ids
        per_layer = peaks[1] - peaks[0]
        key = "with_checkpointing" if checkpointing else "without_checkpointing"
        result[key] = {
            "peak_1_layer_gib": round(peaks[0], 2),
            "per_layer_gib": round(per_layer, 3),
            "peak_32_layers_gib": round(peaks[0] + (PAPER_LAYERS - 1) * per_layer, 1),
        }
    return result


def phase_generate(a: argparse.Namespace) -> dict[str, Any]:
    """Beam-10 generation with the full-size random 6.7B model (``--layers-gen`` layers):
    prompts of 512 tokens, exactly 256 new tokens each."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    shape = SMOKE_SHAPE if a.cpu_smoke else PAPER_SHAPE
    torch.manual_seed(0)
    config = LlamaConfig(**shape, num_hidden_layers=2 if a.cpu_smoke else PAPER_LAYERS, max_position_embeddings=16384)
    torch.set_default_dtype(torch.bfloat16 if cuda else torch.float32)  # 13.5 GB, not 27, on the GPU
    with torch.device(device):
        model = LlamaForCausalLM(config).eval()
    prompt, new, beams = (32, 8, 10) if a.cpu_smoke else (512, 256, 10)
    results = []
    for batch in (1, 4):
        ids = torch.randint(0, shape["vocab_size"], (batch, prompt), device=device)
        with torch.no_grad():
            model.generate(
                input_ids=ids[:, :16],
                max_new_tokens=2,
                min_new_tokens=2,
                num_beams=beams,
                do_sample=False,
                pad_token_id=0,
            )  # warm-up
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=new,
                min_new_tokens=new,
                num_beams=beams,
                num_return_sequences=beams,
                do_sample=False,
                pad_token_id=0,
            )
            if cuda:
                torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        results.append(
            {
                "bugs_per_call": batch,
                "seconds_per_bug": round(seconds / batch, 3),
                "tokens_per_s": round(batch * beams * new / seconds, 1),
            }
        )
    return {"prompt_tokens": prompt, "new_tokens": new, "beams": beams, "runs": results}


def phase_resume_train(a: argparse.Namespace) -> dict[str, Any]:
    """One fine-tune of the tiny model (the parent kills it, or not)."""
    from fimrepair.finetune import train_lora
    from fimrepair.io import read_jsonl
    from fimrepair.recipe import Recipe

    recipe = Recipe.load(Path(a.work) / "recipe.json")
    pairs = read_jsonl(Path(a.work) / "pairs.jsonl")
    train_lora(
        Path(a.model), pairs, pairs[:8], recipe, Path(a.run_dir) / "adapter", checkpoint_dir=Path(a.run_dir) / "ckpt"
    )
    return {"done": True}


PHASES = {"train": phase_train, "memory": phase_memory, "generate": phase_generate, "resume-train": phase_resume_train}


# --- the parent -------------------------------------------------------------------------


def run_phase(name: str, a: argparse.Namespace, timeout: float, processes: int = 1, **extra: str) -> dict[str, Any]:
    out = Path(a.work) / f"{name}-{extra.get('backend', '')}-{int(time.time() * 1000)}.json"
    launcher = [sys.executable]
    if processes > 1:
        launcher += ["-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}"]
    cmd = [
        *launcher,
        str(HERE),
        "--phase",
        name,
        "--result",
        str(out),
        "--work",
        a.work,
        *(["--cpu-smoke"] if a.cpu_smoke else []),
    ]
    cmd += ["--steps", str(a.steps), "--batch", str(a.batch), "--seq", str(a.seq)]
    cmd += ["--accumulation", str(a.accumulation), "--checkpointing", a.checkpointing]
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", value]
    log(f"phase {name} {extra.get('backend', '')}")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.is_file():
        last = [line for line in proc.stderr.strip().splitlines() if line.strip()][-1:] or ["(no output)"]
        return {"error": f"phase {name} failed (exit {proc.returncode}): {last[0][-500:]}"}
    return json.loads(out.read_text())


def build_models(a: argparse.Namespace) -> tuple[Path, Path]:
    """The tiny model (tokenizer + pre-trained Llama) and a random Llama of the paper's layer
    shape with ``--layers`` layers, saved with the tiny tokenizer."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from fimrepair.fim import sentinels
    from fimrepair.synthetic import fixed_functions
    from fimrepair.tinymodel import TinyModelSpec, build_tiny_model

    tiny = Path(a.work) / "tiny"
    build_tiny_model(
        fixed_functions(600, seed=3),
        sentinels("deepseek-coder"),
        TinyModelSpec(vocab_size=1024, pretrain_steps=30 if a.cpu_smoke else 100),
        3,
        tiny,
        progress=False,
    )
    shaped = Path(a.work) / "shaped"
    torch.manual_seed(0)
    config = LlamaConfig(
        **(SMOKE_SHAPE if a.cpu_smoke else PAPER_SHAPE),
        num_hidden_layers=a.layers,
        max_position_embeddings=16384,
        torch_dtype="bfloat16",
    )
    LlamaForCausalLM(config).to(torch.float32 if a.cpu_smoke else torch.bfloat16).save_pretrained(shaped)
    AutoTokenizer.from_pretrained(tiny).save_pretrained(shaped)
    return tiny, shaped


def kill_and_resume(a: argparse.Namespace, tiny: Path) -> dict[str, Any]:
    """SIGKILL a tiny fine-tune once its first checkpoint is complete; rerun; compare with an
    uninterrupted run."""
    from fimrepair.fim import sentinels
    from fimrepair.io import write_jsonl
    from fimrepair.prompts import training_pair
    from fimrepair.recipe import Recipe, TrainSpec
    from fimrepair.region import split
    from fimrepair.synthetic import generate_megadiff_rows
    from fimrepair.training_checkpoints import FINGERPRINT_FILE

    st = sentinels("deepseek-coder")
    rows = []
    for r in generate_megadiff_rows(300, seed=5):
        try:
            s = split(r["buggy_function"], r["fixed_function"])
        except ValueError:
            continue
        rows.append(
            {"prefix": s.prefix, "buggy_chunk": s.buggy_chunk, "fixed_chunk": s.fixed_chunk, "suffix": s.suffix}
        )
    write_jsonl(Path(a.work) / "pairs.jsonl", [training_pair(r, "nofim", st, seed=1) for r in rows[:160]])
    Recipe(
        name="resume",
        kind="nofim",
        sentinels="deepseek-coder",
        seed=1,
        train=TrainSpec(
            learning_rate=2e-3,
            max_steps=30,
            batch_size=8,
            gradient_accumulation=1,
            max_length=512,
            logging_steps=5,
            eval_rows=8,
            save_steps=10,
        ),
    ).save(Path(a.work) / "recipe.json")

    def start(run: str) -> subprocess.Popen:
        cmd = [
            sys.executable,
            str(HERE),
            "--phase",
            "resume-train",
            "--result",
            str(Path(a.work) / f"{run}.json"),
            "--work",
            a.work,
            "--model",
            str(tiny),
            "--run-dir",
            str(Path(a.work) / run),
        ]
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(Path(a.work) / f"{run}.log", "a"))

    full = start("full")
    killed = start("resumed")
    marker = Path(a.work) / "resumed" / "ckpt" / "checkpoint-10" / FINGERPRINT_FILE
    deadline = time.time() + 300
    while not marker.is_file() and killed.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    if not marker.is_file():
        killed.kill()
        full.wait()
        return {
            "ok": False,
            "error": "the first checkpoint never appeared: " + (Path(a.work) / "resumed.log").read_text()[-500:],
        }
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    rerun = start("resumed")
    rerun.wait(timeout=600)
    full.wait(timeout=600)
    text = (Path(a.work) / "resumed.log").read_text()
    resumed = "RESUMING from checkpoint" in text
    from safetensors.torch import load_file

    try:
        x = load_file(Path(a.work) / "full" / "adapter" / "adapter_model.safetensors")
        y = load_file(Path(a.work) / "resumed" / "adapter" / "adapter_model.safetensors")
    except OSError as err:
        return {"ok": False, "error": f"no adapter: {err}: {text[-500:]}"}
    diff = max(float((x[k].float() - y[k].float()).abs().max()) for k in x)
    step = text.split("RESUMING from checkpoint", 1)[1].split("(step ", 1)[1].split(";", 1)[0] if resumed else None
    return {
        "ok": resumed and diff <= RESUME_ATOL,
        "resumed_from_step": step,
        "max_abs_diff": diff,
        "tolerance": RESUME_ATOL,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="The GPU check (bench/gpu_check.py)")
    parser.add_argument(
        "--configfile", nargs="+", default=[str(HERE.parents[1] / "config.yaml")], help="the run's configuration files"
    )
    parser.add_argument("--steps", type=int, default=10, help="optimiser steps per backend")
    parser.add_argument("--layers", type=int, default=2, help="layers of the 6.7B-shaped model trained per backend")
    parser.add_argument(
        "--train-examples", type=int, default=35000, help="training pairs per recipe in the paper run (assumed)"
    )
    parser.add_argument(
        "--mean-tokens", type=float, default=400, help="mean tokens of a training pair (assumed; max length bounds it)"
    )
    parser.add_argument(
        "--cpu-smoke", action="store_true", help="toy sizes on the CPU (tests this script; measures nothing)"
    )
    for internal in ("--phase", "--result", "--work", "--backend", "--model", "--out", "--run-dir", "--checkpointing"):
        parser.add_argument(internal, help=argparse.SUPPRESS)
    for internal in ("--batch", "--accumulation", "--seq"):
        parser.add_argument(internal, type=int, help=argparse.SUPPRESS)
    a = parser.parse_args()

    from fimrepair.compute import cuda_status, device_report, go_offline

    go_offline()
    if a.phase:
        import logging

        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        if a.cpu_smoke:
            os.environ.setdefault("OMP_NUM_THREADS", "1")
        result = PHASES[a.phase](a)
        if os.environ.get("RANK", "0") == "0":  # a DDP phase: rank 0 reports
            Path(a.result).write_text(json.dumps(result))
        return 0

    usable, reason = cuda_status()
    if not usable and not a.cpu_smoke:
        message = f"GPU check: no usable CUDA GPU here ({reason}). It needs one NVIDIA GPU with a driver that runs torch's CUDA build; nothing was measured."
        print(message, file=sys.stderr)
        print(json.dumps({"ok": False, "error": message, **device_report(False)}))
        return 1
    config = merged_config(a.configfile)
    training = config["training"]
    a.batch, a.accumulation, a.seq = training["batch_size"], training["gradient_accumulation"], training["max_length"]
    a.checkpointing = "on" if training["gradient_checkpointing"] else "off"
    counts = run_counts(config)
    if a.cpu_smoke:  # the configuration's micro-batch and accumulation, toy lengths and steps
        a.steps, a.seq, a.layers = min(a.steps, 4), 64, 1
    started = time.perf_counter()
    report: dict[str, Any] = {"cuda": usable, **device_report(usable), "cpu_smoke": a.cpu_smoke}
    report["shape"] = {
        "configfile": a.configfile,
        "micro_batch": a.batch,
        "gradient_accumulation": a.accumulation,
        "examples_per_step": a.batch * a.accumulation,
        "max_length": a.seq,
        "gradient_checkpointing": a.checkpointing == "on",
    }
    gpus = device_report(usable).get("device_count", 0) if usable else 0
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as work:
        a.work = work
        tiny, shaped = build_models(a)
        limit = 600
        runs = {
            b: run_phase("train", a, limit, backend=b, model=str(shaped), out=str(Path(work) / b))
            for b in ("hf", "unsloth")
        }
        report["train"] = runs
        if gpus > 1:  # DDP over every visible GPU, the hf backend (the reference path)
            ddp = run_phase(
                "train", a, limit, processes=gpus, backend="hf", model=str(shaped), out=str(Path(work) / "ddp")
            )
            one = runs["hf"].get("tokens_per_s")
            report["ddp"] = {
                **ddp,
                "gpus": gpus,
                "scaling": round(ddp["tokens_per_s"] / one, 3) if one and "tokens_per_s" in ddp else None,
            }
        report["memory"] = run_phase("memory", a, limit)
        report["generate"] = run_phase("generate", a, limit)
        report["resume"] = kill_and_resume(a, tiny)

    hf, un = runs["hf"], runs["unsloth"]
    report["tokens_per_s"] = {b: runs[b].get("tokens_per_s") for b in runs}
    report["unsloth_over_hf"] = (
        round(un["tokens_per_s"] / hf["tokens_per_s"], 3) if "tokens_per_s" in hf and "tokens_per_s" in un else None
    )
    losses_agree = None
    if hf.get("losses") and un.get("losses"):
        losses_agree = len(hf["losses"]) == len(un["losses"]) and all(
            abs(x - y) <= LOSS_RTOL * abs(x) for x, y in zip(hf["losses"], un["losses"], strict=True)
        )
    report["losses_agree"] = losses_agree
    memory = report["memory"]
    report["peak_gib_6_7b"] = {k: v["peak_32_layers_gib"] for k, v in memory.items() if isinstance(v, dict)}
    # Time per token grows with layers plus the embedding/LM head (in layer units, by FLOPs).
    shape = SMOKE_SHAPE if a.cpu_smoke else PAPER_SHAPE
    layer_params = 4 * shape["hidden_size"] ** 2 + 3 * shape["hidden_size"] * shape["intermediate_size"]
    head = shape["vocab_size"] * shape["hidden_size"] / layer_params
    scale = (PAPER_LAYERS + head) / (a.layers + head)
    peak = bf16_peak(report.get("device", "")) if usable else None
    report["tflops"] = {}
    for b in runs:
        tps, mean = runs[b].get("tokens_per_s"), runs[b].get("mean_tokens")
        if tps and mean:
            tflops = tps * train_flops_per_token(shape, a.layers, mean) / 1e12
            report["tflops"][b] = {
                "achieved": round(tflops, 3),
                "share_of_bf16_peak": round(tflops / peak, 3) if peak else None,
                "bf16_peak": peak,
            }
        else:
            report["tflops"][b] = None
    epochs = float(training["num_train_epochs"])
    max_length = training["max_length"]  # the configuration's, also in the CPU smoke run
    train_tokens_upper = counts["recipes"] * epochs * a.train_examples * max_length  # every example at max length
    hours = {}
    for b in runs:
        if runs[b].get("tokens_per_s"):
            upper = train_tokens_upper / (runs[b]["tokens_per_s"] / scale) / 3600
            share = min(a.mean_tokens, max_length) / max_length
            hours[b] = {"upper_bound": round(upper, 1), "at_mean_tokens": round(upper * share, 1)}
    generation = report["generate"].get("runs", [{}])
    per_bug = min((r["seconds_per_bug"] for r in generation if "seconds_per_bug" in r), default=None)
    report["generation_tokens_per_s"] = max(
        (r["tokens_per_s"] for r in generation if "tokens_per_s" in r), default=None
    )
    bugs = sum(counts["bugs"].values())
    report["gpu_hours_paper"] = {
        "counts": counts,
        "finetune_per_backend": hours,
        "generate": round(bugs * counts["generated_models"] * per_bug / 3600, 2) if per_bug else None,
        "assumptions": f"{counts['recipes']} recipes x {epochs} epochs x {a.train_examples} pairs of {max_length} tokens "
        f"(upper bound; and at {a.mean_tokens} tokens a pair), 6.7B step time extrapolated from {a.layers} layers x "
        f"{scale:.1f}; {bugs} bugs of {counts['benchmarks']} benchmarks x {counts['generated_models']} models, "
        "beam 10, 256 new tokens",
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    errors = [
        f"{k}: {v['error']}"
        for k, v in {
            **runs,
            "memory": report["memory"],
            "generate": report["generate"],
            "resume": report["resume"],
        }.items()
        if isinstance(v, dict) and "error" in v
    ]
    report["errors"] = errors
    report["ok"] = bool(usable and not errors and losses_agree and report["resume"].get("ok"))
    for line in errors:
        log(line)
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
