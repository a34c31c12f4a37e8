"""Bad candidate input gets a clear error naming the file, line and field; duplicates are errors;
a bug with an empty candidate list stays in the summary (issue 20)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import JAVA_SKIP_REASON, java_available, write_minibench

from fimrepair.bugs import Bug, extract_bugs
from fimrepair.cli import main
from fimrepair.config import ValidationSpec
from fimrepair.io import read_jsonl, write_jsonl
from fimrepair.validate import Status, Verdict, summarise, validate_candidates
from fimrepair.validate.candidates import normalise_rows


@pytest.mark.parametrize(
    "rows, match",
    [
        (
            [{"bug_id": "ADD", "candidates": [{"rank": 0, "function": 7}]}],
            r"f\.jsonl:1 .*candidate 0: field 'function' must be a string, got int",
        ),
        (
            [{"bug_id": "ADD", "candidates": [{"rank": None, "function": "x"}]}],
            r"f\.jsonl:1 .*candidate 0: field 'rank' must be an integer, got null",
        ),
        (
            [{"bug_id": "ADD", "candidates": [{"rank": True, "function": "x"}]}],
            r"field 'rank' must be an integer, got bool",
        ),
        ([{"bug_id": ["ADD"], "candidates": []}], r"f\.jsonl:1: field 'bug_id' must be a non-empty string, got list"),
        ([{"bug_id": "ADD", "model": 3, "candidates": []}], r"f\.jsonl:1: field 'model' must be a string, got int"),
        ([{"bug_id": "ADD", "candidates": "x"}], r"f\.jsonl:1 \(bug ADD\): field 'candidates' must be a list, got str"),
        (["x"], r"f\.jsonl:1: expected a JSON object, got str"),
        (
            [
                {"bug_id": "ADD", "candidates": ["a"]},
                {"bug_id": "B", "candidates": []},
                {"bug_id": "ADD", "candidates": ["b"]},
            ],
            r"f\.jsonl:3 \(bug ADD\): candidate 0: model 'tool' bug ADD rank 0 is given twice \(also at f\.jsonl:1\)",
        ),
    ],
)
def test_bad_rows_name_file_line_and_field(rows: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        normalise_rows(rows, "tool", "bench", where="f.jsonl", lines=list(range(1, len(rows) + 1)))


def test_distinct_models_and_ranks_are_not_duplicates() -> None:
    rows = normalise_rows(
        [
            {"bug_id": "ADD", "candidates": ["a", "b"]},
            {"bug_id": "ADD", "model": "other", "candidates": ["a"]},
        ],
        "tool",
        "bench",
    )
    assert [(r["model"], [c["rank"] for c in r["candidates"]]) for r in rows] == [("tool", [0, 1]), ("other", [0])]


def test_the_driver_rejects_duplicate_ranks_and_bad_fields(minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]

    class Never:
        def validate(self, bug: Bug, function: str) -> Verdict:  # pragma: no cover - must not be reached
            raise AssertionError("validated despite bad input")

    def row(*cands: dict) -> dict:
        return {"model": "m", "benchmark": add.benchmark, "bug_id": "ADD", "candidates": list(cands)}

    dup = [row({"rank": 0, "function": "a"}), row({"rank": 0, "function": "b"})]
    with pytest.raises(ValueError, match="rank 0 of model 'm' for bug ADD is given twice"):
        validate_candidates([add], dup, Never(), workers=1, progress=False)
    with pytest.raises(ValueError, match="'rank' must be an integer, got NoneType"):
        validate_candidates([add], [row({"rank": None, "function": "a"})], Never(), workers=1, progress=False)
    with pytest.raises(ValueError, match="'function' must be a string or null, got int"):
        validate_candidates([add], [row({"rank": 0, "function": 5})], Never(), workers=1, progress=False)


def test_a_bug_without_candidates_counts_as_not_fixed() -> None:
    verdicts = [
        {"model": "m", "benchmark": "b", "bug_id": "ADD", "status": "plausible", "exact_match": True, "ast_match": True}
    ]
    rows = [
        {"model": "m", "benchmark": "b", "bug_id": "ADD", "candidates": [{"rank": 0, "function": "x"}]},
        {"model": "m", "benchmark": "b", "bug_id": "NEG", "candidates": []},
    ]
    summary = summarise(verdicts, rows)
    assert [(s["bug_id"], s["plausible"], s["n_candidates"]) for s in summary] == [("ADD", True, 1), ("NEG", False, 0)]
    assert len(summarise(verdicts)) == 1  # without the rows, only what has verdicts


@pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)
def test_the_command_names_the_bad_line_and_counts_empty_bugs(tmp_path: Path, capsys) -> None:
    root = write_minibench(tmp_path / "bench")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"bug_id": "ADD", "candidates": ["x"]}\n\n{"bug_id": "NEG", "candidates": [{"rank": null, "function": "y"}]}\n'
    )
    assert (
        main(
            [
                "validate",
                "--quiet",
                "--benchmark-root",
                str(root),
                "--candidates",
                str(bad),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert f"{bad}:3 (bug NEG): candidate 0: field 'rank' must be an integer, got null" in capsys.readouterr().err
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps({"bug_id": "NEG", "candidates": ["    public static int neg(int x) {\n        return -x;\n    }\n"]})
        + "\n"
        + json.dumps({"bug_id": "ADD", "candidates": []})
        + "\n"
    )
    out = tmp_path / "v.jsonl"
    args = ["validate", "--quiet", "--workers", "1", "--engine", "fresh", "--benchmark-root", str(root)]
    assert main([*args, "--candidates", str(good), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "plausible bugs 1/2" in err, err  # ADD is counted, not dropped
    assert [json.loads(line)["status"] for line in out.read_text().splitlines()] == [Status.PLAUSIBLE.value]


def test_jsonl_keeps_undecodable_bytes_and_lone_surrogates(tmp_path: Path) -> None:
    """The one JSONL writer (io.write_jsonl) writes what a foreign candidates file can hold: an
    undecodable byte (read with surrogateescape) and a lone surrogate escape read back as the
    same strings; other text stays UTF-8 as it is (the pipeline's files keep their bytes)."""
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"bug_id": "ADD", "model": "caf\xe9", "m": "\\ud83d x", "u": "\xc3\xbc"}\n')
    rows = read_jsonl(src, errors="surrogateescape")
    assert rows == [{"bug_id": "ADD", "model": "caf\udce9", "m": "\ud83d x", "u": "\u00fc"}]
    out = tmp_path / "out.jsonl"
    write_jsonl(out, rows)
    assert read_jsonl(out) == rows
    assert out.read_bytes() == b'{"bug_id": "ADD", "m": "\\ud83d x", "model": "caf\\udce9", "u": "\xc3\xbc"}\n'


def test_the_stage_names_the_bad_line(tmp_path: Path) -> None:
    """The workflow's validate stage reads candidates as the command does: a bad row is an error
    naming the file, the line and the field, before any JVM starts."""
    from fimrepair.stages.validate import validate

    root = write_minibench(tmp_path / "bench")
    bugs = tmp_path / "bugs.jsonl"
    write_jsonl(bugs, [b.to_dict() for b in extract_bugs(root, "humaneval-java")])
    cands = tmp_path / "candidates.jsonl"
    row = {"model": "m", "benchmark": "humaneval-java", "bug_id": "ADD"}
    cands.write_text(
        json.dumps({**row, "candidates": [{"rank": 0, "function": "x"}]})
        + "\n"
        + json.dumps({**row, "candidates": [{"rank": True, "function": "y"}]})
        + "\n"
    )
    with pytest.raises(
        ValueError, match=re.escape(f"{cands}:2 (bug ADD): candidate 0: field 'rank' must be an integer, got bool")
    ):
        validate(
            bugs,
            cands,
            root,
            tmp_path / "v.jsonl",
            per_candidate_timeout_s=30,
            compile_grace_s=ValidationSpec().compile_grace_s,
            workers=1,
        )
