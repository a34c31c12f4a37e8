"""Stage 1, the training data (workflow/rules/data.smk): Megadiff from the hub or the project's
synthetic set, filtered, decontaminated and split.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrepair.io import read_jsonl, write_jsonl, write_tsv
from fimrepair.stages.common import download_hub

log = logging.getLogger("fimrepair")


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

    from fimrepair import megadiff
    from fimrepair.config import DecontaminationSpec
    from fimrepair.decontaminate import EXACT, NEAR, decontaminate

    ds = megadiff.load_rows(
        "local" if source in ("local", "synthetic") else source, hub_id=hub_id, revision=revision, path=path
    )
    examples, funnel = megadiff.filter_rows(
        ds, dataset=dataset, progress=progress, remove_blank_lines=remove_blank_lines
    )
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
    train, test = megadiff.split_train_test(examples, test_size, seed)
    funnel.add_step("test split", f"seeded test split ({len(test)} rows held out)", len(test))
    columns = list(megadiff.EXAMPLE_COLUMNS)
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


def data_download(out_dir: str | Path, *, repo_id: str, revision: str) -> None:
    """The Megadiff-format dataset's train files at ``revision`` (data.source hub, hub_full)."""
    download_hub(out_dir, repo_id=repo_id, revision=revision, repo_type="dataset")
