"""Fidelity: the project's IR3/IR4 inputs and OR2 outputs for HumanEval-Java equal RepairLLaMA's
published prompts (../shared/repairllama-humaneval-prompts/) byte for byte, except exactly the
differences listed, with reasons, in tests/data/repairllama_expected_differences.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fimrepair.benchmark import extract_bug
from fimrepair.prompts import split_of
from fimrepair.representations import ir1, ir2, ir3, ir4, or1, or2

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HUMANEVAL = SHARED / "humaneval-java"
REPAIRLLAMA_PROMPTS = SHARED / "repairllama-humaneval-prompts"

EXPECTED = Path(__file__).parent / "data" / "repairllama_expected_differences.json"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not (HUMANEVAL / "src").is_dir(), reason=f"../shared/humaneval-java is absent ({HUMANEVAL})"),
    pytest.mark.skipif(not REPAIRLLAMA_PROMPTS.is_dir(), reason=f"../shared/repairllama-humaneval-prompts is absent ({REPAIRLLAMA_PROMPTS})"),
]


def _reference(ir: str) -> dict[str, dict[str, str]]:
    path = REPAIRLLAMA_PROMPTS / f"humaneval_f2f_bugs_with_{ir}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["bug_id"]: r for r in rows}


def _differences() -> dict[str, set[str]]:
    refs = {ir: _reference(ir) for ir in ("ir1", "ir2", "ir3", "ir4")}
    found: dict[str, set[str]] = {}
    for bug_id in refs["ir4"]:
        s = split_of(extract_bug(HUMANEVAL, bug_id, "humaneval-java").to_dict())
        checks = {
            "ir3": ir3(s) == refs["ir3"][bug_id]["buggy_code"],
            "ir4": ir4(s) == refs["ir4"][bug_id]["buggy_code"],
            "or2": or2(s) == refs["ir4"][bug_id]["fixed_chunk"] == refs["ir3"][bug_id]["fixed_chunk"],
        }
        bad = {name for name, ok in checks.items() if not ok}
        if bad:
            found[bug_id] = bad
    return found


def test_162_bugs_and_the_configured_subset():
    ids = set(_reference("ir4"))
    assert len(ids) == 162
    all_ids = {p.stem for p in (HUMANEVAL / "src/main/java/humaneval/buggy").glob("*.java")}
    assert len(all_ids) == 163 and all_ids - ids == {"FIND_MAX"}
    import yaml

    config = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text())
    assert set(all_ids) - set(config["benchmark"]["exclude"]) == ids


def test_ir3_ir4_or2_equal_the_reference_or_are_listed():
    expected = {d["bug_id"]: set(d["representations"]) for d in json.loads(EXPECTED.read_text())["differences"]}
    assert all(d["reason"].strip() for d in json.loads(EXPECTED.read_text())["differences"])
    found = _differences()
    assert found == expected, f"unlisted or vanished differences: found {found}, listed {expected}"
    matching = {ir: 162 - sum(ir in v for v in found.values()) for ir in ("ir3", "ir4", "or2")}
    assert matching == {"ir3": 159, "ir4": 159, "or2": 162}


def test_ir1_ir2_on_the_bugs_without_blank_lines_or_comments():
    """IR1/IR2 of RepairLLaMA are built from the bare functions; they equal ours wherever the
    method has no comment (IR1 and OR1 carry the whole function)."""
    r1, r2 = _reference("ir1"), _reference("ir2")
    same1 = same2 = 0
    for bug_id in r1:
        s = split_of(extract_bug(HUMANEVAL, bug_id, "humaneval-java").to_dict())
        same1 += ir1(s) == r1[bug_id]["buggy_code"] and or1(s) == r1[bug_id]["fixed_code"]
        same2 += ir2(s) == r2[bug_id]["buggy_code"] and or2(s) == r2[bug_id]["fixed_code"]
    assert same1 >= 159 and same2 >= 159, (same1, same2)
