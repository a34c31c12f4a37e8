"""One name per stage: the rules of ``workflow/rules/<stage>.smk`` have their entry points in
``fimrepair.stages.<stage>`` (one module per rule file), and every rule that runs a script runs
``workflow/scripts/<rule>.py``, which calls ``fimrepair.stages.<stage>.<rule>``. A renamed rule,
script, stage or entry point that leaves the others behind fails here, naming it."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "workflow" / "rules"
SCRIPTS = REPO / "workflow" / "scripts"

#: Rules without a script of their own, and why.
NO_SCRIPT = {
    "all": "target",
    "models": "target",
    "results": "target",
    "paper": "target",
    "bundle": "target",
    "generate_from_bundle": "shell: copies a bundled candidates file",
    "validate_jdk": "use rule validate (the same step at the JDK's own Java level)",
}

_RULE = re.compile(r"^(\s*)(?:rule (\w+)|use rule \w+ as (\w+) with):")
_SCRIPT = re.compile(r"^\s*\"\.\./scripts/(\w+)\.py\"")


STAGES = REPO / "src" / "fimrepair" / "stages"


def rules() -> dict[str, str | None]:
    """Every rule of the Snakefile and workflow/rules/*.smk -> the script it runs (None)."""
    return {rule: script for rule, (_, script) in located().items()}


def located() -> dict[str, tuple[str, str | None]]:
    """Every rule -> (the rule file's stem, the script it runs or None)."""
    out: dict[str, tuple[str, str | None]] = {}
    for path in [REPO / "Snakefile", *sorted(RULES.glob("*.smk"))]:
        current = None
        lines = path.read_text().splitlines()
        for k, line in enumerate(lines):
            m = _RULE.match(line)
            if m:
                current = m.group(2) or m.group(3)
                assert current not in out, f"{path.name}: rule {current} defined twice"
                out[current] = (path.stem, None)
            elif current and line.strip() == "script:":
                s = _SCRIPT.match(lines[k + 1])
                assert s, f"{path.name}: rule {current}: script path not in the form ../scripts/<name>.py"
                out[current] = (path.stem, s.group(1))
    return out


def test_the_parser_finds_the_stages() -> None:
    found = rules()
    assert {
        "data_prepare",
        "benchmark_bugs",
        "training_pairs",
        "finetune",
        "generate",
        "validate",
        "analysis",
        "paper_pdf",
    } <= set(found)


def test_one_stage_module_per_rule_file() -> None:
    rule_files = {p.stem for p in RULES.glob("*.smk")}
    modules = {p.stem for p in STAGES.glob("*.py")} - {"__init__"}
    assert modules == rule_files, (
        f"rule files without a stage module: {sorted(rule_files - modules)}; "
        f"stage modules without a rule file: {sorted(modules - rule_files)}"
    )


@pytest.mark.parametrize("rule, stage, script", sorted((r, st, s) for r, (st, s) in located().items() if s is not None))
def test_rule_script_and_entry_point_share_the_name(rule: str, stage: str, script: str) -> None:
    assert script == rule, f"rule {rule} runs scripts/{script}.py, not scripts/{rule}.py"
    path = SCRIPTS / f"{rule}.py"
    assert path.is_file(), path
    module = f"fimrepair.stages.{stage}"
    assert callable(getattr(importlib.import_module(module), rule, None)), f"{module} has no entry point {rule}"
    tree = ast.parse(path.read_text())
    imported = {
        (node.module, a.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fimrepair.stages")
        for a in node.names
    }
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert (module, rule) in imported and rule in called, f"scripts/{rule}.py does not call {module}.{rule}"
    assert imported <= {(module, rule), ("fimrepair.stages.common", "logged")}, (
        f"scripts/{rule}.py calls other entry points too: {sorted(imported - {(module, rule)})}"
    )


def test_rules_without_a_script_are_the_known_ones() -> None:
    assert {r for r, s in rules().items() if s is None} == set(NO_SCRIPT)


def test_every_script_belongs_to_its_rule() -> None:
    used = {s for s in rules().values() if s}
    assert {p.stem for p in SCRIPTS.glob("*.py")} == used
