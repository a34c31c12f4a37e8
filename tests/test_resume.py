"""GPU stages that survive a cluster, checked on CPU with the tiny model: a killed fine-tune or
generation resumes to what an uninterrupted run gives; checkpoints of another configuration are
never resumed; the GPU rules refuse the CPU unless the configuration says so."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from conftest import fim_pairs, small_recipe, split_bugs

from fimrepair.compute import DeviceError
from fimrepair.recipe import Recipe
from fimrepair.stages import finetune as finetune_stage
from fimrepair.stages import generate as generate_stage

# Adapter of a resumed fine-tune vs an uninterrupted one: largest absolute difference allowed.
# Measured: 0.0 (bit-identical) on CPU in float32; the bound leaves room for other BLAS builds.
ADAPTER_ATOL = 1e-6


class Killed(RuntimeError):
    pass


def kill_after(step: int):
    """A callback that stops training after optimiser step ``step`` as a kill would."""
    from transformers import TrainerCallback

    class Kill(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args, state, control, **_):
            if state.global_step >= step:
                raise Killed(f"killed after step {state.global_step}")

    return Kill()


def adapter(out: Path):
    from safetensors.torch import load_file

    return load_file(out / "adapter" / "adapter_model.safetensors")


def test_killed_finetune_resumes_to_the_uninterrupted_adapter(
    tiny_model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    from fimrepair.finetune import train_lora
    from fimrepair.training_checkpoints import FINGERPRINT_FILE

    data, r = fim_pairs(), small_recipe()
    full_curve, _ = train_lora(
        tiny_model_dir, data, data[:4], r, tmp_path / "full" / "adapter", checkpoint_dir=tmp_path / "full-ckpt"
    )

    with pytest.raises(Killed):
        train_lora(
            tiny_model_dir,
            data,
            data[:4],
            r,
            tmp_path / "run" / "adapter",
            checkpoint_dir=tmp_path / "ckpt",
            callbacks=[kill_after(6)],
        )
    assert sorted(p.name for p in (tmp_path / "ckpt").glob("checkpoint-*")) == ["checkpoint-4"]
    assert (tmp_path / "ckpt" / "checkpoint-4" / FINGERPRINT_FILE).is_file()
    assert not (tmp_path / "run" / "adapter").exists()

    with caplog.at_level(logging.INFO, logger="fimrepair.finetune"):
        curve, _ = train_lora(
            tiny_model_dir, data, data[:4], r, tmp_path / "run" / "adapter", checkpoint_dir=tmp_path / "ckpt"
        )
    assert "RESUMING from checkpoint" in caplog.text and "(step 4;" in caplog.text
    a, b = adapter(tmp_path / "full"), adapter(tmp_path / "run")
    assert a.keys() == b.keys()
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert worst <= ADAPTER_ATOL, worst
    # The curve holds the steps before the resume too (from the checkpoint's log history).
    assert [(c["step"], c["split"]) for c in curve] == [(c["step"], c["split"]) for c in full_curve]
    assert all(abs(x["loss"] - y["loss"]) <= 1e-5 for x, y in zip(curve, full_curve, strict=True))
    # save_total_limit=2: the last two remain, for a later rerun.
    assert sorted(p.name for p in (tmp_path / "ckpt").glob("checkpoint-*")) == ["checkpoint-10", "checkpoint-8"]


def test_checkpoints_of_another_configuration_are_never_resumed(tiny_model_dir: Path, tmp_path: Path):
    from fimrepair.training_checkpoints import FINGERPRINT_FILE, resumable_checkpoint, training_fingerprint

    rows = [{"input_ids": [1, 2, 3], "completion_mask": [0, 1, 1]}]
    base = training_fingerprint(tiny_model_dir, small_recipe(), rows, rows)
    assert training_fingerprint(tiny_model_dir, small_recipe(save_steps=50, save_total_limit=5), rows, rows) == base
    for changed in (
        small_recipe(learning_rate=1e-3),
        Recipe(name="nofim", kind="nofim", sentinels="deepseek-coder", seed=1, train=small_recipe().train),
    ):
        assert training_fingerprint(tiny_model_dir, changed, rows, rows) != base
    assert (
        training_fingerprint(tiny_model_dir, small_recipe(), rows, [{"input_ids": [1], "completion_mask": [1]}]) != base
    )

    ckpt = tmp_path / "ckpt"
    for step, owner in ((2, base), (4, "f" * 64), (6, None)):  # ours, another configuration's, incomplete
        (ckpt / f"checkpoint-{step}").mkdir(parents=True)
        if owner:
            (ckpt / f"checkpoint-{step}" / FINGERPRINT_FILE).write_text(owner + "\n")
    assert resumable_checkpoint(ckpt, base) == ckpt / "checkpoint-2"
    assert sorted(p.name for p in ckpt.iterdir()) == ["checkpoint-2"]  # the others are removed
    assert resumable_checkpoint(ckpt, "0" * 64) is None and not list(ckpt.iterdir())


def generation_inputs(tmp_path: Path) -> Path:
    bugs_jsonl = tmp_path / "bugs.jsonl"
    bugs_jsonl.write_text("".join(json.dumps(b) + "\n" for b in split_bugs(7)))
    return bugs_jsonl


DECODING = {"num_beams": 4, "num_return_sequences": 4, "max_new_tokens": 16, "batch_size": 2}


def run_generate(model_dir: Path, bugs_jsonl: Path, out: Path, **decoding: int) -> None:
    generate_stage.generate(
        model_dir,
        None,
        bugs_jsonl,
        out,
        model_name="base",
        prompt_style="fim_ir4",
        sentinels="deepseek-coder",
        decoding={**DECODING, **decoding},
        seed=1,
        allow_cpu=True,
    )


def test_killed_generation_resumes_to_identical_candidates(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from fimrepair import generate

    bugs_jsonl = generation_inputs(tmp_path)
    run_generate(tiny_model_dir, bugs_jsonl, tmp_path / "full" / "candidates.jsonl")

    real = generate.generate_batch
    calls: list[int] = []

    def dies_on_third_batch(model, tokenizer, prompts, spec):
        calls.append(len(prompts))
        if len(calls) == 3:
            raise Killed("killed mid-way")
        return real(model, tokenizer, prompts, spec)

    out = tmp_path / "run" / "candidates.jsonl"
    monkeypatch.setattr(generate, "generate_batch", dies_on_third_batch)
    with pytest.raises(Killed):
        run_generate(tiny_model_dir, bugs_jsonl, out)
    partial = Path(str(out) + ".partial")
    assert not out.exists() and len(partial.read_text().splitlines()) == 1 + 4  # header + two batches of 2
    with partial.open("a") as fh:
        fh.write('{"model": "base", "bug')  # a line torn by the kill

    calls.clear()
    run_generate(tiny_model_dir, bugs_jsonl, out)
    assert sum(calls) == 3  # only the unfinished bugs (7 - 4) are generated again
    assert out.read_bytes() == (tmp_path / "full" / "candidates.jsonl").read_bytes()
    assert not partial.exists()


def test_batching_does_not_change_the_beams_and_a_partial_of_other_settings_is_discarded(
    tiny_model_dir: Path, tmp_path: Path
):
    bugs_jsonl = generation_inputs(tmp_path)
    run_generate(tiny_model_dir, bugs_jsonl, tmp_path / "b1" / "candidates.jsonl", batch_size=1)
    run_generate(tiny_model_dir, bugs_jsonl, tmp_path / "b3" / "candidates.jsonl", batch_size=3)
    one = (tmp_path / "b1" / "candidates.jsonl").read_bytes()
    assert (tmp_path / "b3" / "candidates.jsonl").read_bytes() == one
    stale = tmp_path / "b1" / "candidates.jsonl.partial"
    stale.write_text(
        '{"fingerprint": "another"}\n' + (tmp_path / "b1" / "candidates.jsonl").read_text().replace("return", "RETURN")
    )
    run_generate(tiny_model_dir, bugs_jsonl, tmp_path / "b1" / "candidates.jsonl", batch_size=1)
    assert (tmp_path / "b1" / "candidates.jsonl").read_bytes() == one


def test_gpu_rules_refuse_the_cpu_unless_the_configuration_says_so(tiny_model_dir: Path, tmp_path: Path):
    r = small_recipe()
    r.save(tmp_path / "recipe.json")
    missing = tmp_path / "never-read.jsonl"
    with pytest.raises(DeviceError, match=r"CUDA is not usable: .*compute\.allow_cpu: true"):
        finetune_stage.finetune(
            tiny_model_dir,
            tmp_path / "recipe.json",
            missing,
            missing,
            tmp_path / "out",
            tmp_path / "loss.tsv",
            tmp_path / "counts.json",
            checkpoint_dir=tmp_path / "ckpt",
            allow_cpu=False,
        )
    with pytest.raises(DeviceError, match="generate base: CUDA is not usable"):
        generate_stage.generate(
            tiny_model_dir,
            None,
            missing,
            tmp_path / "c.jsonl",
            model_name="base",
            prompt_style="fim_ir4",
            sentinels="deepseek-coder",
            decoding=DECODING,
            seed=1,
            allow_cpu=False,
        )
    assert not (tmp_path / "out").exists() and not (tmp_path / "ckpt").exists()
