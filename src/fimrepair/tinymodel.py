"""A tiny offline stand-in for the base model: a byte-level BPE tokenizer with the target
family's special strings, and a small Llama pre-trained briefly on Java with PSM FIM.

It exists so that the whole pipeline (LoRA fine-tuning, beam search, validation) runs on a
CPU without the hub. The real run loads DeepSeek-Coder-6.7B-base instead.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrepair.config import TinyModelSpec
from fimrepair.fim import Sentinels, psm_prompt

log = logging.getLogger(__name__)


def train_tokenizer(corpus: Sequence[str], st: Sentinels, vocab_size: int):  # -> PreTrainedTokenizerFast
    """A byte-level BPE tokenizer whose special strings (BOS, EOS, pad, FIM sentinels) are each
    ONE token; BOS is prepended when ``add_special_tokens`` is true, as DeepSeek's does."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = list(dict.fromkeys(st.all_special()))
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    bos_id = tok.token_to_id(st.bos)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{st.bos} $A", pair=f"{st.bos} $A {st.bos} $B", special_tokens=[(st.bos, bos_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=st.bos,
        eos_token=st.eos,
        pad_token=st.pad,
        additional_special_tokens=[st.prefix, st.suffix, st.middle],
        model_max_length=1024,
    )
    for s in specials:
        ids = fast(s, add_special_tokens=False)["input_ids"]
        if len(ids) != 1:
            raise AssertionError(f"special string {s!r} encodes to {len(ids)} tokens, expected 1")
    return fast


def _pretraining_text(
    function: str, rng: random.Random, st: Sentinels, fim_rate: float, repeat_rate: float = 0.0
) -> str:
    """A function as left-to-right text, or (with probability ``fim_rate``) in PSM FIM layout
    with a random line span as the middle, as code models are pre-trained.

    With probability ``repeat_rate`` the document is the function followed by a renamed copy of
    it (:func:`fimrepair.synthetic.variation.vary_method`), as real source files repeat themselves
    (overloads, copy-paste); this is where a small model learns to copy from its context, which
    a large code model brings from pre-training. No draw is made when the rate is 0.
    """
    if repeat_rate > 0 and rng.random() < repeat_rate:
        from fimrepair.synthetic.variation import vary_method

        function = function + "\n" + vary_method(function, rng)
    lines = function.splitlines(keepends=True)
    if len(lines) < 3 or rng.random() >= fim_rate:
        return function
    a = rng.randrange(1, len(lines) - 1)
    b = rng.randrange(a, min(len(lines) - 1, a + 3) + 1)
    prefix, middle, suffix = "".join(lines[:a]), "".join(lines[a:b]), "".join(lines[b:])
    return psm_prompt(prefix, suffix, st) + middle


def build_tiny_model(
    corpus: Sequence[str], st: Sentinels, spec: TinyModelSpec, seed: int, out_dir: Path, progress: bool = True
) -> list[dict[str, float]]:
    """Train the tokenizer, build the Llama, pre-train it, and save both to ``out_dir``.

    Returns the pre-training loss curve (one row per step).
    """
    if not corpus:
        raise ValueError("the tiny model's pre-training corpus is empty")
    tokenizer = train_tokenizer(corpus, st, spec.vocab_size)
    return _build(tokenizer, len(tokenizer), corpus, st, spec, seed, out_dir, progress)


def build_scratch_model(
    tokenizer_dir: Path,
    corpus: Sequence[str],
    st: Sentinels,
    spec: TinyModelSpec,
    seed: int,
    out_dir: Path,
    token_ids: Mapping[str, int] | None = None,
    progress: bool = True,
) -> list[dict[str, float]]:
    """A small model of the paper model's family (``LlamaForCausalLM``, as DeepSeek-Coder is)
    around a REAL tokenizer: ``tokenizer_dir`` is loaded and checked by
    :func:`fimrepair.tokenizer.load_tokenizer`, the embedding has ``spec.vocab_size`` rows (at
    least the tokenizer's size; DeepSeek-Coder-6.7B has 32256), the sizes of ``spec`` are used,
    and the model is pre-trained briefly on ``corpus`` with PSM FIM. The tokenizer files are
    copied unchanged, so every later stage loads the real files, as it would the hub model's.
    """
    import shutil

    from fimrepair.tokenizer import load_tokenizer

    if not corpus:
        raise ValueError("the scratch model's pre-training corpus is empty")
    tokenizer = load_tokenizer(tokenizer_dir, st, token_ids)
    curve = _build(
        tokenizer, max(spec.vocab_size, len(tokenizer)), corpus, st, spec, seed, out_dir, progress, save_tokenizer=False
    )
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (Path(tokenizer_dir) / name).is_file():
            shutil.copy2(Path(tokenizer_dir) / name, out_dir / name)
    return curve


def _train_step(model: Any, optimizer: Any, scheduler: Any, batch: list[list[int]], pad_id: int) -> float:
    """One optimizer step of next-token loss on ``batch`` (right-padded; gradients clipped to
    norm 1). Returns the loss."""
    import torch

    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), pad_id)
    labels = torch.full((len(batch), width), -100)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for i, ids in enumerate(batch):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        labels[i, : len(ids)] = torch.tensor(ids)
        attention[i, : len(ids)] = 1
    loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()
    return float(loss.item())


def copy_documents(
    token_ids: Sequence[int], rng: random.Random, n: int, length: tuple[int, int] = (8, 24)
) -> list[list[int]]:
    """``n`` documents of a random token sequence followed by the same sequence: the second
    half is predictable only by copying from the context."""
    docs = []
    for _ in range(n):
        seq = [rng.choice(token_ids) for _ in range(rng.randint(*length))]
        docs.append(seq + seq)
    return docs


def _copy_warmup(model: Any, tokenizer: Any, steps: int, rng: random.Random) -> list[dict[str, Any]]:
    """Before pre-training on code: ``steps`` steps on :func:`copy_documents` (32 a step),
    so that the model forms copying ("induction") heads, which a model this small does not
    form from code within CPU minutes. Its own optimizer, lr 1e-3 after 50 warm-up steps."""
    import torch

    special = set(tokenizer.all_special_ids)
    ids = [i for i in range(len(tokenizer)) if i not in special]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 50))
    curve: list[dict[str, Any]] = []
    for step in range(steps):
        batch = [[tokenizer.bos_token_id] + doc for doc in copy_documents(ids, rng, 32)]
        loss = _train_step(model, optimizer, scheduler, batch, tokenizer.pad_token_id)
        curve.append({"phase": "copy", "step": step + 1, "loss": loss})
    return curve


def _build(
    tokenizer: Any,
    vocab_rows: int,
    corpus: Sequence[str],
    st: Sentinels,
    spec: TinyModelSpec,
    seed: int,
    out_dir: Path,
    progress: bool,
    save_tokenizer: bool = True,
) -> list[dict[str, float]]:
    import torch
    from tqdm import tqdm
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    rng = random.Random(seed)
    config = LlamaConfig(
        vocab_size=vocab_rows,
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_layers,
        num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_heads,
        max_position_embeddings=spec.max_position_embeddings,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=spec.tie_embeddings,
    )
    model = LlamaForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec.pretrain_lr, weight_decay=0.0)
    steps = spec.pretrain_steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(1.0, (step + 1) / max(1, steps // 10)) * 0.5 * (1 + math.cos(math.pi * step / max(1, steps))),
    )
    curve: list[dict[str, float]] = []
    model.train()
    eos = tokenizer.eos_token_id
    if spec.copy_warmup_steps > 0:
        curve.extend(_copy_warmup(model, tokenizer, spec.copy_warmup_steps, rng))
    for step in tqdm(range(steps), desc="pre-training tiny model", disable=not progress, mininterval=2):
        texts = [
            _pretraining_text(rng.choice(corpus), rng, st, spec.fim_rate, spec.repeat_rate)
            for _ in range(spec.pretrain_batch_size)
        ]
        batch = [tokenizer(t)["input_ids"][: spec.pretrain_seq_len - 1] + [eos] for t in texts]
        loss = _train_step(model, optimizer, scheduler, batch, tokenizer.pad_token_id)
        curve.append({"phase": "code", "step": step + 1, "loss": loss})
    model.eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    if save_tokenizer:
        tokenizer.save_pretrained(out_dir)
    return curve
