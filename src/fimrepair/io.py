"""Small, strict readers and writers for the pipeline's record files."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def write_jsonl(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write one JSON object per line (atomically: a partial file never stays behind).

    A lone surrogate in a string (an undecodable input byte read with ``surrogateescape``, or a
    lone ``\\udXXX`` escape) is written as its JSON escape, which reads back as the same string;
    everything else is UTF-8 as it is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    # Lone surrogates occur only inside JSON strings, where "\udcff" is their escape.
    with tmp.open("w", encoding="utf-8", errors="backslashreplace") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    tmp.replace(path)
    return n


def read_jsonl(path: str | Path, *, errors: str = "strict") -> list[dict[str, Any]]:
    """Read a JSONL file; a bad line is an error naming the file and line. ``errors``: how
    undecodable bytes are handled (:func:`open`'s ``errors``; ``"surrogateescape"`` keeps them
    as lone surrogates, for files written by other tools)."""
    return [row for _, row in read_jsonl_numbered(path, errors=errors)]


def read_jsonl_numbered(path: str | Path, *, errors: str = "strict") -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) of each non-blank line of a JSONL file (:func:`read_jsonl`)."""
    rows = []
    with Path(path).open(encoding="utf-8", errors=errors) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not valid JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            rows.append((number, row))
    return rows


def write_tsv(path: str | Path, rows: list[Mapping[str, Any]], columns: list[str] | None = None) -> None:
    """Write rows as a tab-separated table (header first)."""
    import pandas as pd

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(list(rows), columns=columns)
    frame.to_csv(path, sep="\t", index=False)


def read_tsv(path: str | Path) -> list[dict[str, Any]]:
    import pandas as pd

    return pd.read_csv(path, sep="\t", keep_default_na=False).to_dict("records")


def dir_identity(folder: str | Path, hash_all: bool = False) -> dict[str, Any]:
    """What identifies a model or adapter folder: every file's name and size, and the SHA-256
    of its JSON files and ``REVISION`` (of every file with ``hash_all``; a base model's weights
    are not hashed: 13 GB)."""
    files = sorted(p for p in Path(folder).iterdir() if p.is_file())
    hashed = [p for p in files if hash_all or p.suffix == ".json" or p.name == "REVISION"]
    return {
        "files": {p.name: p.stat().st_size for p in files},
        "sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in hashed},
    }


class ResumableJsonl:
    """A JSONL file that rows are appended to as they are finished, for a rerun to resume.

    The first line records a fingerprint of the run's configuration; a file of another
    fingerprint is discarded. Each row is flushed and fsynced at once; a line torn by a kill is
    dropped when the file is reopened.
    """

    def __init__(self, path: str | Path, fingerprint: str) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.rows: list[dict[str, Any]] = []
        self.discarded = ""
        if self.path.is_file():
            lines = self.path.read_text(encoding="utf-8").splitlines()
            header = _json_or_none(lines[0]) if lines else None
            if header is None or header.get("fingerprint") != fingerprint:
                self.discarded = "another configuration" if header else "no header"
            else:
                for line in lines[1:]:
                    row = _json_or_none(line)
                    if row is None:
                        break  # torn by a kill; nothing after it was written
                    self.rows.append(row)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(self.path, [{"fingerprint": fingerprint}, *self.rows])  # drops a torn line
        self._fh = self.path.open("a", encoding="utf-8")

    def append(self, row: Mapping[str, Any]) -> None:
        self._fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.rows.append(dict(row))

    def close(self) -> None:
        self._fh.close()


def _json_or_none(line: str) -> dict[str, Any] | None:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return None
    return row if isinstance(row, dict) else None
