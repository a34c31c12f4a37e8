"""Fidelity: the project's IR1-IR4 inputs and OR1/OR2 outputs for HumanEval-Java equal
RepairLLaMA's published prompts (../shared/repairllama-humaneval-prompts/) byte for byte, except
exactly the differences listed, with reasons, in tests/data/repairllama_expected_differences.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fimrepair.bugs import extract_bug
from fimrepair.prompts import split_of
from fimrepair.representations import ir1, ir2, ir3, ir4, or1, or2

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HUMANEVAL = SHARED / "humaneval-java"
REPAIRLLAMA_PROMPTS = SHARED / "repairllama-humaneval-prompts"

EXPECTED = Path(__file__).parent / "data" / "repairllama_expected_differences.json"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not (HUMANEVAL / "src").is_dir(), reason=f"../shared/humaneval-java is absent ({HUMANEVAL})"),
    pytest.mark.skipif(
        not REPAIRLLAMA_PROMPTS.is_dir(),
        reason=f"../shared/repairllama-humaneval-prompts is absent ({REPAIRLLAMA_PROMPTS})",
    ),
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
            "ir1": ir1(s) == refs["ir1"][bug_id]["buggy_code"],
            "or1": or1(s) == refs["ir1"][bug_id]["fixed_code"],
            "ir2": ir2(s) == refs["ir2"][bug_id]["buggy_code"],
            "ir3": ir3(s) == refs["ir3"][bug_id]["buggy_code"],
            "ir4": ir4(s) == refs["ir4"][bug_id]["buggy_code"],
            "or2": or2(s)
            == refs["ir4"][bug_id]["fixed_chunk"]
            == refs["ir3"][bug_id]["fixed_chunk"]
            == refs["ir2"][bug_id]["fixed_code"],
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


def test_representations_equal_the_reference_or_are_listed():
    expected = {d["bug_id"]: set(d["representations"]) for d in json.loads(EXPECTED.read_text())["differences"]}
    assert all(d["reason"].strip() for d in json.loads(EXPECTED.read_text())["differences"])
    found = _differences()
    assert found == expected, f"unlisted or vanished differences: found {found}, listed {expected}"
    matching = {ir: 162 - sum(ir in v for v in found.values()) for ir in ("ir1", "ir2", "ir3", "ir4", "or1", "or2")}
    assert matching == {"ir1": 159, "ir2": 159, "ir3": 159, "ir4": 159, "or1": 159, "or2": 162}
