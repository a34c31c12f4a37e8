"""The GPU check: run it (``make gpu-check``) on one GPU node before spending GPU hours.

Offline, in under 10 minutes on one H100/H200, with models it builds itself:
  1. device, CUDA runtime, NVIDIA driver and library versions;
  2. N LoRA training steps with each backend (hf, unsloth) through the project's own
     ``train_lora``, on a randomly initialised Llama with DeepSeek-Coder-6.7B's layer shape
     (``--layers`` of its 32 layers) at the paper's batch shape (16 x 1024): tokens/s per
     backend, their ratio, and their losses compared at the same seed;
  3. peak GPU memory of a training step with 1 and 2 such layers, with and without gradient
     checkpointing, extrapolated per layer to the 32-layer 6.7B model;
  4. beam-10 generation throughput of the full-size (32-layer, random) 6.7B model;
  5. a fine-tune of the tiny model killed (SIGKILL) after its first checkpoint and rerun: it
     must say it resumed, and end with the uninterrupted run's adapter;
and prints as its LAST line one JSON object: device, versions, tokens/s per backend and their
ratio, extrapolated peak memory, generation tokens/s, estimated GPU-hours of the paper run,
``ok``. Without a usable GPU it says so and exits 1 (nothing is measured).

    python bench/gpu_check.py [--steps 20] [--layers 2] [--train-examples 35000]

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
            gradient_accumulation=1,
            max_length=a.seq,
            logging_steps=1,
            eval_rows=0,
            bf16=not a.cpu_smoke,
            save_steps=0,
        ),
    )
    tok = Tokenizer.from_file(str(Path(a.model) / "tokenizer.json"))
    pairs = java_pairs(tok, a.batch * a.steps, a.seq)
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
        "tokens_per_s": round(a.batch * mean_tokens / seconds, 1),
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


def run_phase(name: str, a: argparse.Namespace, timeout: float, **extra: str) -> dict[str, Any]:
    out = Path(a.work) / f"{name}-{extra.get('backend', '')}-{int(time.time() * 1000)}.json"
    cmd = [
        sys.executable,
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
    from fimrepair.synthetic import generate_megadiff_rows
    from fimrepair.tinymodel import TinyModelSpec, build_tiny_model

    tiny = Path(a.work) / "tiny"
    corpus = sorted({r["fixed_function"] for r in generate_megadiff_rows(600, seed=3) if r["fixed_function"]})
    build_tiny_model(
        corpus,
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
    from fimrepair.finetune import FINGERPRINT_FILE
    from fimrepair.io import write_jsonl
    from fimrepair.prompts import training_pair
    from fimrepair.recipe import Recipe, TrainSpec
    from fimrepair.region import split
    from fimrepair.synthetic import generate_megadiff_rows

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
    parser.add_argument("--steps", type=int, default=20, help="training steps per backend")
    parser.add_argument("--layers", type=int, default=2, help="layers of the 6.7B-shaped model trained per backend")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seq", type=int, default=1024)
    parser.add_argument(
        "--train-examples", type=int, default=35000, help="training pairs per recipe in the paper run (assumed)"
    )
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--recipes", type=int, default=3)
    parser.add_argument("--bugs", type=int, default=162)
    parser.add_argument("--generated-models", type=int, default=4)
    parser.add_argument(
        "--cpu-smoke", action="store_true", help="toy sizes on the CPU (tests this script; measures nothing)"
    )
    for internal in ("--phase", "--result", "--work", "--backend", "--model", "--out", "--run-dir"):
        parser.add_argument(internal, help=argparse.SUPPRESS)
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
        Path(a.result).write_text(json.dumps(PHASES[a.phase](a)))
        return 0

    usable, reason = cuda_status()
    if not usable and not a.cpu_smoke:
        message = f"GPU check: no usable CUDA GPU here ({reason}). It needs one NVIDIA GPU with a driver that runs torch's CUDA build; nothing was measured."
        print(message, file=sys.stderr)
        print(json.dumps({"ok": False, "error": message, **device_report(False)}))
        return 1
    if a.cpu_smoke:
        a.steps, a.batch, a.seq, a.layers = min(a.steps, 4), 2, 64, 1
    started = time.perf_counter()
    report: dict[str, Any] = {"cuda": usable, **device_report(usable), "cpu_smoke": a.cpu_smoke}
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as work:
        a.work = work
        tiny, shaped = build_models(a)
        limit = 600
        runs = {
            b: run_phase("train", a, limit, backend=b, model=str(shaped), out=str(Path(work) / b))
            for b in ("hf", "unsloth")
        }
        report["train"] = runs
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
    train_tokens = a.recipes * a.epochs * a.train_examples * a.seq  # upper bound: every example padded to seq
    hours = {}
    for b in runs:
        if runs[b].get("tokens_per_s"):
            hours[b] = round(train_tokens / (runs[b]["tokens_per_s"] / scale) / 3600, 1)
    generation = report["generate"].get("runs", [{}])
    per_bug = min((r["seconds_per_bug"] for r in generation if "seconds_per_bug" in r), default=None)
    report["generation_tokens_per_s"] = max(
        (r["tokens_per_s"] for r in generation if "tokens_per_s" in r), default=None
    )
    report["gpu_hours_paper"] = {
        "finetune_per_backend": hours,
        "generate": round(a.bugs * a.generated_models * per_bug / 3600, 2) if per_bug else None,
        "assumptions": f"{a.recipes} recipes x {a.epochs} epochs x {a.train_examples} pairs x {a.seq} tokens (upper bound), 6.7B step time extrapolated from {a.layers} layers x {scale:.1f}; {a.bugs} bugs x {a.generated_models} models, beam 10, 256 new tokens",
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
