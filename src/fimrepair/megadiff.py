"""Megadiff-format training data: loading, filtering with a funnel table, and the split.

Megadiff rows have the columns ``diff, is_single_chunk, is_single_function, buggy_function,
fixed_function``. Sources: the HuggingFace hub at a pinned revision (``hub``:
``ASSERT-KTH/megadiff-single-function``; ``hub_full``: the full ``ASSERT-KTH/megadiff``, whose
rows with ``is_single_function`` false are dropped and counted), both STREAMED so the set is
never held in memory; or a local parquet/jsonl file (``local``; the synthetic set is one).
Every source yields the same row dicts and goes through the same filters.

Filters, in order (each row is counted under the first that applies; nothing is dropped
silently, :data:`FILTER_ORDER`): malformed row, not a single function, empty fixed function,
buggy == fixed, duplicate (buggy, fixed) pair, comment- or whitespace-only change (after
stripping comments and blank lines), not parseable as one Java method (tree-sitter-java).
Decontamination against the benchmark (:mod:`fimrepair.decontaminate`) and the length filter
in the target tokenizer (per recipe, on rows matched across recipes: :func:`fimrepair.stages.representations.training_pairs`) follow.

Cleaning as RepairLLaMA's ``build_dataset.py``: comments and blank lines are removed from both
functions before the region and the representations are built.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fimrepair.javasrc import collapse_whitespace, is_single_method, strip_blank_lines, strip_comments
from fimrepair.region import SPLIT_FIELDS, NoChangeError, Split, split

log = logging.getLogger(__name__)

MEGADIFF_COLUMNS = ("diff", "is_single_chunk", "is_single_function", "buggy_function", "fixed_function")
REQUIRED_COLUMNS = ("buggy_function", "fixed_function")
SOURCES = ("hub", "hub_full", "local")

# Reasons, in the order the filters apply (the funnel table lists them in this order).
MALFORMED = "malformed row (missing or non-text buggy/fixed function)"
NOT_SINGLE_FUNCTION = "is_single_function is false"
EMPTY_FIXED = "empty fixed function"
IDENTICAL = "buggy == fixed"
DUPLICATE = "duplicate (buggy, fixed) pair"
COSMETIC = "comment- or whitespace-only change"
UNPARSEABLE = "not parseable as one Java method"
FILTER_ORDER = (MALFORMED, NOT_SINGLE_FUNCTION, EMPTY_FIXED, IDENTICAL, DUPLICATE, COSMETIC, UNPARSEABLE)
STEP_NAMES = {
    MALFORMED: "malformed",
    NOT_SINGLE_FUNCTION: "single function",
    EMPTY_FIXED: "empty fixed",
    IDENTICAL: "identical",
    DUPLICATE: "duplicate",
    COSMETIC: "cosmetic change",
    UNPARSEABLE: "parse",
}


class DataError(ValueError):
    """The data source itself is unusable (missing file, missing columns)."""


@dataclass(frozen=True)
class Example:
    """One training pair cut at its buggy region (cleaned functions, see the module doc)."""

    row_id: str
    source_index: int
    buggy_function: str
    fixed_function: str
    split: Split

    def to_dict(self) -> dict[str, Any]:
        """The flat row of the data's parquet files (:data:`EXAMPLE_COLUMNS`)."""
        return {
            "row_id": self.row_id,
            "source_index": self.source_index,
            "buggy_function": self.buggy_function,
            "fixed_function": self.fixed_function,
            **self.split.to_dict(),
        }


EXAMPLE_COLUMNS = ("row_id", "source_index", "buggy_function", "fixed_function", *SPLIT_FIELDS)
"""The columns of the data's parquet files, in order (an :class:`Example` flattened)."""


def load_rows(
    source: str, *, hub_id: str | None = None, revision: str | None = None, path: str | None = None
) -> Iterable[Mapping[str, Any]]:
    """Megadiff-format rows, as an iterable of dicts (a ``datasets`` (Iterable)Dataset).

    ``hub``/``hub_full`` stream the train files downloaded into the folder ``path`` (the
    workflow's ``data_download`` rule), or without ``path`` ``hub_id`` at the pinned
    ``revision`` from the hub (``hub_full`` needs the ``is_single_function`` column); ``local`` reads a ``.parquet``, ``.jsonl`` or ``.json``
    file at ``path`` (memory-mapped by ``datasets``). Missing columns are an error naming them.
    """
    import datasets

    if source in ("hub", "hub_full") and path and Path(path).is_dir():
        # The hub dataset's train files, downloaded on the submit host (rule data_download);
        # streamed from disk, so this runs on a compute node without internet.
        root = Path(path)
        files = sorted(
            str(f)
            for f in root.rglob("*")
            if f.is_file()
            and f.suffix in (".parquet", ".jsonl")
            and not any(part.startswith(".") for part in f.relative_to(root).parts)
        )
        if not files:
            raise DataError(f"{root}: no .parquet or .jsonl files (downloaded from {hub_id}?)")
        builder = "parquet" if all(f.endswith(".parquet") for f in files) else "json"
        ds = datasets.load_dataset(builder, data_files=files, split="train", streaming=True)
        revision_file = root / "REVISION"
        origin = revision_file.read_text().strip() if revision_file.is_file() else str(root)
        columns = list(ds.features) if ds.features is not None else None
    elif source in ("hub", "hub_full"):
        if not hub_id or not revision:
            raise DataError(f"data.source {source!r} needs data.hub_id and a pinned data.revision")
        ds = datasets.load_dataset(hub_id, revision=revision, split="train", streaming=True)
        origin = f"{hub_id}@{revision}"
        columns = list(ds.features) if ds.features is not None else None
    elif source == "local":
        if not path or not Path(path).is_file():
            raise DataError(f"data file {path} does not exist")
        suffix = Path(path).suffix
        builder = {".parquet": "parquet", ".jsonl": "json", ".json": "json"}.get(suffix)
        if builder is None:
            raise DataError(f"data file {path}: unsupported format {suffix!r} (use .parquet or .jsonl)")
        try:
            ds = datasets.load_dataset(builder, data_files=str(path), split="train")
        except Exception as err:  # noqa: BLE001 - any reader error: name the file
            raise DataError(f"data file {path}: cannot be read as {builder}: {err}") from err
        origin = str(path)
        columns = list(ds.column_names)
    else:
        raise DataError(f"unknown data source {source!r} (one of {', '.join(SOURCES)})")
    if columns is not None:
        needed = [*REQUIRED_COLUMNS, *(["is_single_function"] if source == "hub_full" else [])]
        missing = [c for c in needed if c not in columns]
        if missing:
            raise DataError(f"{origin}: missing column(s) {', '.join(missing)}; found {', '.join(columns)}")
    return ds


def row_id(buggy: str, fixed: str) -> str:
    """A stable id of a (buggy, fixed) pair."""
    return hashlib.sha1(f"{buggy}\x00{fixed}".encode()).hexdigest()[:16]


def _pair_key(buggy: str, fixed: str) -> bytes:
    return hashlib.blake2b(f"{buggy}\x00{fixed}".encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _cheap_reason(row: Mapping[str, Any]) -> str | None:
    buggy, fixed = row.get("buggy_function"), row.get("fixed_function")
    if not isinstance(buggy, str) or not isinstance(fixed, str):
        return MALFORMED
    if row.get("is_single_function") is False:
        return NOT_SINGLE_FUNCTION
    if not fixed.strip():
        return EMPTY_FIXED
    if buggy == fixed:
        return IDENTICAL
    return None


def clean(function: str, *, remove_blank_lines: bool = True) -> str:
    """Comments (and, by default, blank lines) removed, as RepairLLaMA does before building."""
    text = strip_comments(function)
    return strip_blank_lines(text) if remove_blank_lines else text


def classify(
    index: int, row: Mapping[str, Any], *, remove_blank_lines: bool = True
) -> tuple[str | None, Example | None]:
    """The first filter reason that applies to ``row``, or (None, its example). Pure; the
    duplicate check, which needs the rows before, is done by :func:`filter_rows`."""
    reason = _cheap_reason(row)
    if reason is not None:
        return reason, None
    buggy, fixed = str(row["buggy_function"]), str(row["fixed_function"])
    try:
        b, f = clean(buggy, remove_blank_lines=remove_blank_lines), clean(fixed, remove_blank_lines=remove_blank_lines)
    except (UnicodeError, ValueError):  # lone surrogates, NUL bytes: not Java text
        return UNPARSEABLE, None
    if collapse_whitespace(b) == collapse_whitespace(f):
        return COSMETIC, None
    try:
        s = split(b, f)
    except NoChangeError:
        return COSMETIC, None
    if not (is_single_method(b) and is_single_method(f)):
        return UNPARSEABLE, None
    return None, Example(row_id(buggy, fixed), index, b, f, s)


@dataclass
class Funnel:
    """Rows in, out and the reasons rows were dropped, step by step.

    ``dropped`` counts the filters of :data:`FILTER_ORDER`; :meth:`add_step` appends later
    steps (decontamination, split) in order.
    """

    dataset: str
    rows_in: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    later: list[tuple[str, str, int]] = field(default_factory=list)

    def add_step(self, step: str, reason: str, dropped: int) -> None:
        self.later.append((step, reason, dropped))

    @property
    def rows_out(self) -> int:
        return self.rows_in - sum(self.dropped.values()) - sum(n for _, _, n in self.later)

    def table(self, extra: Iterable[tuple[str, int]] = ()) -> list[dict[str, Any]]:
        """Funnel rows ``{dataset, step, rows_in, rows_out, reason}``; ``extra`` are further
        steps as (reason, dropped)."""
        rows, current = [], self.rows_in
        rows.append(
            {"dataset": self.dataset, "step": "input", "rows_in": current, "rows_out": current, "reason": "rows read"}
        )
        steps = [(STEP_NAMES[r], r, self.dropped.get(r, 0)) for r in FILTER_ORDER]
        steps += self.later + [(reason.split(":")[0], reason, n) for reason, n in extra]
        for step, reason, n in steps:
            rows.append(
                {"dataset": self.dataset, "step": step, "rows_in": current, "rows_out": current - n, "reason": reason}
            )
            current -= n
        return rows


def filter_rows(
    rows: Iterable[Mapping[str, Any]], dataset: str, progress: bool = False, *, remove_blank_lines: bool = True
) -> tuple[list[Example], Funnel]:
    """Apply the filters in order, streaming; return the kept examples and the funnel.

    A row that is not a mapping, or lacks the function columns, is counted as malformed and
    logged with its index.
    """
    from tqdm import tqdm

    funnel = Funnel(dataset=dataset)
    seen: set[bytes] = set()
    kept: list[Example] = []
    iterator: Iterator[Mapping[str, Any]] = iter(rows)
    for index, row in enumerate(tqdm(iterator, desc=f"filtering {dataset}", disable=not progress, mininterval=5)):
        funnel.rows_in += 1
        if not isinstance(row, Mapping):
            reason, example = MALFORMED, None
        else:
            reason, example = _classify_with_duplicates(index, row, seen, remove_blank_lines)
        if reason is not None:
            funnel.dropped[reason] += 1
            if reason == MALFORMED:
                log.warning("%s row %d counted as %s", dataset, index, reason)
            continue
        assert example is not None
        kept.append(example)
    return kept, funnel


def _classify_with_duplicates(
    index: int, row: Mapping[str, Any], seen: set[bytes], remove_blank_lines: bool
) -> tuple[str | None, Example | None]:
    reason = _cheap_reason(row)
    if reason is not None:
        return reason, None
    key = _pair_key(str(row["buggy_function"]), str(row["fixed_function"]))
    if key in seen:
        return DUPLICATE, None
    seen.add(key)
    return classify(index, row, remove_blank_lines=remove_blank_lines)


def split_train_test(examples: list[Example], test_size: int, seed: int) -> tuple[list[Example], list[Example]]:
    """A seeded shuffle, then ``test_size`` test rows and the rest for training."""
    if test_size < 0 or test_size >= len(examples):
        raise DataError(f"data.test_size={test_size} must be >= 0 and smaller than the {len(examples)} filtered rows")
    order = sorted(examples, key=lambda e: (e.row_id, e.source_index))  # independent of input order
    random.Random(seed).shuffle(order)
    return order[test_size:], order[:test_size]
