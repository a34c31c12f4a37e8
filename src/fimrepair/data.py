"""Megadiff-format training data: loading, filtering with a funnel table, and the split.

Megadiff rows have the columns ``diff, is_single_chunk, is_single_function, buggy_function,
fixed_function``. Every source (the HuggingFace hub at a pinned revision, a local parquet or
jsonl file, or the project's own synthetic set) goes through ``datasets`` and then the same
code. Rows are never silently dropped: every skip is counted under its reason in the funnel.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fimrepair.javasrc import is_single_method, normalize, strip_comments
from fimrepair.region import NoChangeError, split

log = logging.getLogger(__name__)

MEGADIFF_COLUMNS = ("diff", "is_single_chunk", "is_single_function", "buggy_function", "fixed_function")

# Reasons, in the order the filters apply (the funnel table lists them in this order).
MALFORMED = "malformed row (missing or non-text buggy/fixed function)"
NOT_SINGLE_FUNCTION = "is_single_function is false"
EMPTY_FIXED = "empty fixed function"
IDENTICAL = "buggy == fixed"
DUPLICATE = "duplicate (buggy, fixed) pair"
COSMETIC = "comment- or whitespace-only change"
UNPARSEABLE = "not parseable as one Java method"
FILTER_ORDER = (MALFORMED, NOT_SINGLE_FUNCTION, EMPTY_FIXED, IDENTICAL, DUPLICATE, COSMETIC, UNPARSEABLE)


class DataError(ValueError):
    """The data source itself is unusable (missing file, missing columns)."""


@dataclass(frozen=True)
class Example:
    """One training pair cut at its buggy region (comment-stripped functions)."""

    row_id: str
    source_index: int
    buggy_function: str
    fixed_function: str
    prefix: str
    buggy_chunk: str
    fixed_chunk: str
    suffix: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_rows(source: str, *, hub_id: str | None = None, revision: str | None = None, path: str | None = None) -> Any:
    """Load Megadiff-format rows with ``datasets`` (a ``datasets.Dataset``).

    ``source`` is ``hub`` (``hub_id`` at the pinned ``revision``) or ``local`` (a ``.parquet``,
    ``.jsonl`` or ``.json`` file at ``path``). Missing columns are an error naming them.
    """
    import datasets

    if source == "hub":
        if not hub_id or not revision:
            raise DataError("data.source 'hub' needs data.hub_id and a pinned data.revision")
        ds = datasets.load_dataset(hub_id, revision=revision, split="train")
        origin = f"{hub_id}@{revision}"
    elif source == "local":
        if not path or not Path(path).is_file():
            raise DataError(f"data file {path} does not exist")
        suffix = Path(path).suffix
        builder = {".parquet": "parquet", ".jsonl": "json", ".json": "json"}.get(suffix)
        if builder is None:
            raise DataError(f"data file {path}: unsupported format {suffix!r} (use .parquet or .jsonl)")
        ds = datasets.load_dataset(builder, data_files=str(path), split="train")
        origin = str(path)
    else:
        raise DataError(f"unknown data source {source!r} (hub or local)")
    missing = [c for c in ("buggy_function", "fixed_function") if c not in ds.column_names]
    if missing:
        raise DataError(f"{origin}: missing column(s) {', '.join(missing)}; found {', '.join(ds.column_names)}")
    return ds


def row_id(buggy: str, fixed: str) -> str:
    """A stable id of a (buggy, fixed) pair."""
    return hashlib.sha1(f"{buggy}\x00{fixed}".encode()).hexdigest()[:16]


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


def classify(index: int, row: Mapping[str, Any]) -> tuple[str | None, Example | None]:
    """The first filter reason that applies to ``row``, or (None, its example). Pure; the
    duplicate check, which needs the rows before, is done by :func:`filter_rows`."""
    reason = _cheap_reason(row)
    if reason is not None:
        return reason, None
    buggy, fixed = str(row["buggy_function"]), str(row["fixed_function"])
    b, f = strip_comments(buggy), strip_comments(fixed)
    if normalize(b) == normalize(f):
        return COSMETIC, None
    try:
        s = split(b, f)
    except NoChangeError:
        return COSMETIC, None
    if not (is_single_method(b) and is_single_method(f)):
        return UNPARSEABLE, None
    return None, Example(row_id(buggy, fixed), index, b, f, s.prefix, s.buggy_chunk, s.fixed_chunk, s.suffix)


@dataclass
class Funnel:
    """Rows in, out and the reasons rows were dropped, step by step."""

    dataset: str
    rows_in: int = 0
    dropped: Counter[str] | None = None

    def table(self, extra: Iterable[tuple[str, int]] = ()) -> list[dict[str, Any]]:
        """Funnel rows ``{dataset, step, rows_in, rows_out, reason}``; ``extra`` are later
        steps as (reason, dropped)."""
        dropped = self.dropped or Counter()
        rows, current = [], self.rows_in
        rows.append({"dataset": self.dataset, "step": "input", "rows_in": current, "rows_out": current, "reason": ""})
        for step, reason in enumerate([*FILTER_ORDER], start=1):
            n = dropped.get(reason, 0)
            rows.append({"dataset": self.dataset, "step": f"filter {step}", "rows_in": current, "rows_out": current - n, "reason": reason})
            current -= n
        for reason, n in extra:
            rows.append({"dataset": self.dataset, "step": reason.split(":")[0], "rows_in": current, "rows_out": current - n, "reason": reason})
            current -= n
        return rows


def filter_rows(rows: Iterable[Mapping[str, Any]], dataset: str, progress: bool = False) -> tuple[list[Example], Funnel]:
    """Apply the filters in order; return the kept examples and the funnel."""
    from tqdm import tqdm

    funnel = Funnel(dataset=dataset, dropped=Counter())
    assert funnel.dropped is not None
    seen: set[tuple[str, str]] = set()
    kept: list[Example] = []
    iterator: Iterator[Mapping[str, Any]] = iter(rows)
    for index, row in enumerate(tqdm(iterator, desc=f"filtering {dataset}", disable=not progress, mininterval=2)):
        funnel.rows_in += 1
        reason, example = _classify_with_duplicates(index, row, seen)
        if reason is not None:
            funnel.dropped[reason] += 1
            if reason == MALFORMED:
                log.warning("%s row %d skipped: %s", dataset, index, reason)
            continue
        assert example is not None
        kept.append(example)
    return kept, funnel


def _classify_with_duplicates(index: int, row: Mapping[str, Any], seen: set[tuple[str, str]]) -> tuple[str | None, Example | None]:
    reason = _cheap_reason(row)
    if reason is not None:
        return reason, None
    key = (str(row["buggy_function"]), str(row["fixed_function"]))
    if key in seen:
        return DUPLICATE, None
    seen.add(key)
    return classify(index, row)


def split_train_test(examples: list[Example], test_size: int, seed: int) -> tuple[list[Example], list[Example]]:
    """A seeded shuffle, then ``test_size`` test rows and the rest for training."""
    if test_size < 0 or test_size >= len(examples):
        raise DataError(f"data.test_size={test_size} must be >= 0 and smaller than the {len(examples)} filtered rows")
    order = sorted(examples, key=lambda e: e.row_id)  # independent of input order
    random.Random(seed).shuffle(order)
    return order[test_size:], order[:test_size]
