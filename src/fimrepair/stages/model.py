"""Stage 3, the base model and published adapters (workflow/rules/model.smk): hub downloads,
the tiny model the project builds itself or a model from scratch, and the model's facts
(``model.json``: its sentinel family and token ids) that later stages read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fimrepair.io import write_tsv
from fimrepair.stages.common import download_hub

log = logging.getLogger("fimrepair")


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


def model_download(out_dir: str | Path, *, repo_id: str, revision: str) -> None:
    """The base model's weights and tokenizer at ``revision`` (base_model.source hub)."""
    download_hub(out_dir, repo_id=repo_id, revision=revision)


def adapter_download(out_dir: str | Path, *, repo_id: str, revision: str) -> None:
    """A published LoRA adapter at ``revision`` (a model with adapter hub)."""
    download_hub(out_dir, repo_id=repo_id, revision=revision)
