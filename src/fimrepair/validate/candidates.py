"""The candidates file that validation reads (``fimrepair validate`` and the workflow's validate
stage): one JSON object per (model, bug), checked row by row.

::

    {"bug_id": "ADD", "candidates": [{"rank": 0, "function": "public static int add(...) {...}"}, ...],
     "model": "my-tool", "benchmark": "humaneval-java"}

``model`` defaults to the file's stem, ``benchmark`` to the benchmark's name, ``rank`` to the
candidate's position; ``function`` is the complete replacement of the buggy method (signature
included); a candidate may also be a bare string.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fimrepair.io import read_jsonl_numbered

log = logging.getLogger(__name__)


def read_candidates(path: str | Path, benchmark: str, default_model: str | None = None) -> list[dict[str, Any]]:
    """The rows of the candidates file ``path`` in the pipeline's form (:func:`normalise_rows`;
    ``default_model``: the file's stem unless given). Undecodable bytes are kept as lone
    surrogates (files of other tools); a line that is not JSON is an error naming the file and
    line, as is every check of :func:`normalise_rows`."""
    path = Path(path)
    numbered = read_jsonl_numbered(path, errors="surrogateescape")
    return normalise_rows(
        [row for _, row in numbered],
        default_model if default_model is not None else path.stem,
        benchmark,
        where=str(path),
        lines=[n for n, _ in numbered],
    )


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def normalise_rows(
    raw: list[Any], default_model: str, benchmark: str, where: str = "candidates", lines: list[int] | None = None
) -> list[dict[str, Any]]:
    """Candidate rows in the pipeline's form (see the module doc). Bad input is a ValueError
    naming ``where`` (the file), the line (``lines[i]``, default: the row's position) and the
    field: a row that is not an object, a ``bug_id`` that is not a non-empty string, a
    ``model``/``benchmark`` that is not a string, ``candidates`` that is not a list, a candidate
    without a string (or null: an empty candidate) ``function``, a ``rank`` that is not an
    integer, and a (model, benchmark, bug, rank) given twice (naming both lines). A bug with an
    empty candidate list stays a row (the summary counts it as not fixed)."""
    rows = []
    seen: dict[tuple[str, str, str, int], int] = {}
    for i, row in enumerate(raw):
        at = f"{where}:{lines[i]}" if lines is not None else f"{where} row {i + 1}"
        if not isinstance(row, dict):
            raise ValueError(f"{at}: expected a JSON object, got {_kind(row)}")
        if not isinstance(row.get("bug_id"), str) or not row["bug_id"]:
            raise ValueError(f"{at}: field 'bug_id' must be a non-empty string, got {_kind(row.get('bug_id'))}")
        for field in ("model", "benchmark"):
            if row.get(field) is not None and not isinstance(row[field], str):
                raise ValueError(f"{at}: field {field!r} must be a string, got {_kind(row[field])}")
        if not isinstance(row.get("candidates"), list):
            raise ValueError(
                f"{at} (bug {row['bug_id']}): field 'candidates' must be a list, got {_kind(row.get('candidates'))}"
            )
        model = row.get("model") or default_model
        bench_name = row.get("benchmark") or benchmark
        cands = []
        for j, c in enumerate(row["candidates"]):
            if isinstance(c, str):
                c = {"function": c}
            what = f"{at} (bug {row['bug_id']}): candidate {j}"
            if not isinstance(c, dict) or "function" not in c:
                raise ValueError(f"{what} lacks 'function'")
            if c["function"] is not None and not isinstance(c["function"], str):
                raise ValueError(f"{what}: field 'function' must be a string, got {_kind(c['function'])}")
            rank = c.get("rank", j)
            if not isinstance(rank, int) or isinstance(rank, bool):
                raise ValueError(f"{what}: field 'rank' must be an integer, got {_kind(rank)}")
            key = (model, bench_name, row["bug_id"], rank)
            if key in seen:
                raise ValueError(
                    f"{what}: model {model!r} bug {row['bug_id']} rank {rank} is given twice "
                    f"(also at {where}:{seen[key]}): which verdict would count?"
                )
            seen[key] = lines[i] if lines is not None else i + 1
            cands.append({**c, "rank": rank, "function": c["function"] if c["function"] is not None else ""})
        if not cands:
            log.warning("%s: bug %s of model %s has no candidates: counted as not fixed", at, row["bug_id"], model)
        rows.append({**row, "model": model, "benchmark": bench_name, "candidates": cands})
    return rows
