"""The package's import graph, read from the source with ``ast`` (nothing is imported): no
cycles, no import back up the layers, no module over 500 lines.

Every ``import`` counts, at module level or inside a function: a lazy import is a dependency
all the same, only a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

SRC = REPO / "src"
PACKAGE = "fimrepair"

# The layers, bottom first. A module belongs to the layer of its top-level name under
# ``fimrepair`` (so every module of a subpackage shares its package's layer) and imports only
# from its own layer or the layers below.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    # Helpers that know nothing of the study: files, devices, downloads, FIM sentinels, Java text.
    ("foundation", frozenset({"", "io", "compute", "hub", "fim", "region", "javasrc"})),
    # Bugs, rows, prompts and tokens, and the data they come from; no configuration read.
    (
        "records",
        frozenset(
            {
                "bugs",
                "benchmarks",
                "megadiff",
                "methodgen",
                "prompts",
                "published",
                "representations",
                "synthetic",
                "tinybench",
                "tokenizer",
            }
        ),
    ),
    # The validated configuration and the typed recipes built from it.
    ("configuration", frozenset({"config", "recipe"})),
    # What each stage does: training, generation, validation, analysis, the paper and bundle.
    (
        "domain",
        frozenset(
            {
                "analysis",
                "bundle",
                "decontaminate",
                "finetune",
                "generate",
                "paper",
                "tinymodel",
                "training_batches",
                "training_checkpoints",
                "training_pairs",
                "validate",
            }
        ),
    ),
    # Entry points: the workflow's stage functions (``stages/``, one module per rule file),
    # the command line and the DDP worker.
    ("stages", frozenset({"stages", "cli", "ddp_worker"})),
)

MAX_LINES = 500


def module_files(src: Path = SRC) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package under ``src``."""
    out = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported_modules(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that module ``name`` imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            candidates = [[alias.name] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # ``from a import b`` imports the module a.b when there is one, else a name of a.
            candidates = [[f"{origin}.{alias.name}", origin] for alias in node.names]
        else:
            continue
        for options in candidates:
            target = next((m for m in options if m in modules), None)
            if target is not None and target != name:
                found.add(target)
    return found


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    files = module_files(src)
    return {name: imported_modules(name, path, set(files)) for name, path in files.items()}


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of a dotted module name (KeyError naming it when unplaced)."""
    top = module.split(".")[1] if "." in module else ""
    for index, (_, members) in enumerate(LAYERS):
        if top in members:
            return index
    raise KeyError(f"module {module} is in no layer of tests/test_import_graph.py's LAYERS: place {top!r} in one")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def back_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{m} ({LAYERS[layer_of(m)][0]}) imports {t} ({LAYERS[layer_of(t)][0]})"
        for m, targets in graph.items()
        for t in targets
        if layer_of(t) > layer_of(m)
    )


def oversized(repo: Path = REPO) -> list[str]:
    out = []
    for path in sorted((repo / "src").rglob("*.py")):
        rel = path.relative_to(repo).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            out.append(f"{rel}: {n} lines (limit {MAX_LINES})")
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_imports_at_module_level_and_inside_functions(graph: dict[str, set[str]]) -> None:
    # module level, a submodule through ``from package import module``, inside a function
    assert "fimrepair.bugs" in graph["fimrepair.benchmarks.base"]
    assert "fimrepair.synthetic" in graph["fimrepair.stages.data"]
    assert "fimrepair.synthetic.variation" in graph["fimrepair.tinymodel"]
    assert {"fimrepair.benchmarks.humaneval", "fimrepair.benchmarks.quixbugs"} <= graph["fimrepair.benchmarks"]
    # the stages/ package is the top layer
    assert layer_of("fimrepair.stages.finetune") == layer_of("fimrepair.cli") == len(LAYERS) - 1


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    for module in graph:
        layer_of(module)


def test_no_import_cycles(graph: dict[str, set[str]]) -> None:
    assert cycles(graph) == []


def test_no_module_imports_from_a_layer_above_its_own(graph: dict[str, set[str]]) -> None:
    assert back_imports(graph) == []


def test_no_module_is_over_500_lines() -> None:
    assert oversized() == []


def test_the_checks_catch_a_back_import_a_cycle_and_a_long_module(tmp_path: Path) -> None:
    """The same checks on a copy of the package with one mistake each."""
    import shutil

    shutil.copytree(SRC / PACKAGE, tmp_path / "src" / PACKAGE)
    io = tmp_path / "src" / PACKAGE / "io.py"
    io.write_text(io.read_text() + "\n\ndef _late():\n    from fimrepair.recipe import Recipe\n\n    return Recipe\n")
    graph = import_graph(tmp_path / "src")
    assert "fimrepair.io (foundation) imports fimrepair.recipe (configuration)" in back_imports(graph)

    fim = tmp_path / "src" / PACKAGE / "fim.py"
    fim.write_text(fim.read_text() + "\n\ndef _late():\n    from fimrepair import tokenizer\n\n    return tokenizer\n")
    assert ["fimrepair.fim", "fimrepair.tokenizer"] in cycles(import_graph(tmp_path / "src"))

    long = tmp_path / "src" / PACKAGE / "region.py"
    long.write_text(long.read_text() + "#\n" * MAX_LINES)
    assert any(line.startswith("src/fimrepair/region.py:") for line in oversized(tmp_path))
