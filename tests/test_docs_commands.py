"""Every command in a fenced ```bash block of README.md and docs/*.md runs as written, in a
cheap form that starts nothing expensive and needs no cluster, GPU, hub or network:

- ``snakemake ...``: the same command as a dry run (``-n``), in a copy of the workflow
  (:func:`conftest.copy_workflow`) with ``../shared`` linked beside it, so nothing lands in the
  checkout. The Slurm profile's dry run needs no Slurm.
- ``fimrepair ...`` and ``python bench/...``: the command as written with ``--help`` appended
  (argparse checks the types and choices of the options before it, and ``--help`` exits 0),
  and every ``--option`` of the command must appear in that help.
- ``make X``: ``make -n X`` (prints the recipe, runs nothing; fails for an unknown target).
- ``python -m pytest -m EXPR``: every marker named in ``EXPR`` is registered (``--markers``).
- ``export NAME=value`` and ``NAME=value`` prefixes: set for the commands after them in the same
  block.

A command none of these fits must be listed in :data:`UNCHECKED` with the reason, or the test
fails naming it. Identical checks are run once (the dry runs take seconds each).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SHARED, copy_workflow

DOC_FILES = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))

#: Commands of the docs that no cheap check can run, with the reason (none at present). A key is
#: the command as the test joins it (continuation lines joined, comments dropped).
UNCHECKED: dict[str, str] = {}

#: Files a documented ``snakemake`` command presupposes, by the ``--config`` key that names them:
#: ``--config 'reproduce={bundle: PATH}'`` reads the bundle a finished run made (docs/reproduce.md),
#: which a dry run needs to exist; the check puts an empty file there, in a copy of its own.
PRESUPPOSED = {"reproduce": "bundle"}

_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass
class Command:
    """One command of a bash block: where it is written, its words and the variables set for it."""

    where: str  # "docs/x.md:12"
    text: str  # as written: continuation lines joined, comment dropped
    raw: str  # as written, comment included
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


def bash_blocks(path: Path) -> list[tuple[int, list[str]]]:
    """The ```bash blocks of a Markdown file: (line number of the first line, lines)."""
    blocks, current, start, indent = [], None, 0, ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fence = _FENCE.match(line)
        if current is None:
            if fence and fence.group(2) == "bash":
                current, start, indent = [], number + 1, fence.group(1)
        elif fence and not fence.group(2):
            blocks.append((start, current))
            current = None
        else:
            current.append(line[len(indent) :] if line.startswith(indent) else line)
    if current is not None:
        raise AssertionError(f"{path.relative_to(REPO)}:{start - 1}: a ```bash block is not closed")
    return blocks


def commands_in(path: Path) -> list[Command]:
    """The commands of ``path``'s bash blocks, with ``export``s applied to those after them."""
    name = path.relative_to(REPO).as_posix()
    commands = []
    for start, lines in bash_blocks(path):
        env: dict[str, str] = {}
        i = 0
        while i < len(lines):
            first, raw = i, lines[i]
            while raw.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                raw = raw.rstrip()[:-1] + " " + lines[i].strip()
            i += 1
            where = f"{name}:{start + first}"
            try:
                words = shlex.split(raw, comments=True)
            except ValueError as error:
                raise AssertionError(f"{where}: cannot parse {raw.strip()!r} as a shell command: {error}") from error
            if not words:
                continue
            if words[0] == "export":
                for word in words[1:]:
                    key, _, value = word.partition("=")
                    env[key] = value
                continue
            prefix = {}
            while words and _ASSIGNMENT.match(words[0]):
                key, _, value = words.pop(0).partition("=")
                prefix[key] = value
            text = shlex.join(words)
            commands.append(Command(where, text, raw.strip(), tuple(words), {**env, **prefix}))
    return commands


def all_commands() -> list[Command]:
    return [command for path in DOC_FILES for command in commands_in(path)]


# --- the checks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One cheap run: ``kind`` names the check, ``argv`` what runs, ``env`` its extra variables."""

    kind: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    needs_shared: bool = False


def check_for(command: Command) -> Check | None:
    """The cheap form of ``command``, or None when no check fits it."""
    argv, env = command.argv, tuple(sorted(command.env.items()))
    if argv[0] == "snakemake":
        return Check("snakemake", argv, env, needs_shared="../shared" in command.raw or "config.smoke.yaml" in argv)
    if argv[0] == "fimrepair" and len(argv) > 1:
        return Check("help", argv, env)
    if argv[0] == "python" and len(argv) > 1 and argv[1].startswith("bench/"):
        return Check("help", argv, env)
    if argv[:3] == ("python", "-m", "pytest"):
        return Check("pytest", argv, env)
    if argv[0] == "make" and len(argv) > 1:
        return Check("make", argv, env)
    return None


def _plan() -> dict[Check, list[Command]]:
    plan: dict[Check, list[Command]] = {}
    for command in all_commands():
        check = check_for(command)
        if check is not None:
            plan.setdefault(check, []).append(command)
    return plan


PLAN = _plan()


def _describe(commands: list[Command]) -> str:
    return "; ".join(f"{c.where}: {c.text}" for c in commands)


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        cwd=cwd,
        env={**os.environ, "OMP_NUM_THREADS": "1", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _python(argv: tuple[str, ...]) -> list[str]:
    """``argv`` with ``python``/``fimrepair``/``snakemake`` run by this test's interpreter."""
    head = {
        "python": [sys.executable],
        "fimrepair": [sys.executable, "-m", "fimrepair.cli"],
        "snakemake": [sys.executable, "-m", "snakemake"],
    }[argv[0]]
    return [*head, *argv[1:]]


def presupposed_files(argv: tuple[str, ...]) -> list[str]:
    """The local files named by the ``--config`` keys of :data:`PRESUPPOSED` in ``argv``."""
    files = []
    for flag, value in pairwise(argv):
        key, _, text = value.partition("=")
        if flag == "--config" and key in PRESUPPOSED:
            name = str((yaml.safe_load(text) or {}).get(PRESUPPOSED[key], ""))
            if name and "://" not in name:
                files.append(name)
    return files


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workflow with ``../shared`` (when the checkout has it) beside it."""
    root = tmp_path_factory.mktemp("docs-commands")
    if SHARED.is_dir():
        (root / "shared").symlink_to(SHARED)
    return copy_workflow(root / "work")


def test_every_command_has_a_check() -> None:
    """A command that no check fits is listed in UNCHECKED with its reason, or this fails."""
    commands = all_commands()
    assert commands, "no command found in the docs' bash blocks"
    unhandled = [c for c in commands if check_for(c) is None and c.text not in UNCHECKED]
    assert not unhandled, "commands with no check (add a check or list them in UNCHECKED with the reason):\n" + (
        "\n".join(f"  {c.where}: {c.text}" for c in unhandled)
    )
    stale = set(UNCHECKED) - {c.text for c in commands}
    assert not stale, f"UNCHECKED lists commands no doc has any more: {sorted(stale)}"


def test_readme_and_docs_pages_have_commands() -> None:
    """The README's quickstart and run commands are among the checked ones."""
    readme = {c.text for c in commands_in(REPO / "README.md")}
    for expected in ("make tiny", "make test", "snakemake --cores all --profile slurm", "snakemake --cores all"):
        assert expected in readme, f"README.md: {expected!r} is not in a ```bash block"


@pytest.mark.parametrize("check", list(PLAN), ids=[f"{PLAN[c][0].where}:{PLAN[c][0].text[:60]}" for c in PLAN])
def test_command_runs_as_written(check: Check, workflow_copy: Path, tmp_path: Path) -> None:
    commands = PLAN[check]
    what = _describe(commands)
    env = dict(check.env)
    if check.kind == "snakemake":
        if check.needs_shared and not SHARED.is_dir():
            pytest.skip(f"{what}: needs ../shared beside the checkout, which is absent")
        work, given = workflow_copy, presupposed_files(check.argv)
        if given:
            work = copy_workflow(tmp_path / "work")
            for name in given:
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                (work / name).touch()
        argv = _python(check.argv)
        argv.insert(3, "-n")  # python -m snakemake -n <the command's arguments>
        result = _run(argv, work, env)
        assert result.returncode == 0, f"{what}: the dry run failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        assert "This was a dry-run" in result.stdout, f"{what}: the dry run planned nothing:\n{result.stdout[-3000:]}"
    elif check.kind == "help":
        result = _run([*_python(check.argv), "--help"], REPO, env)
        assert result.returncode == 0, f"{what}: '--help' after the command failed:\n{result.stderr[-3000:]}"
        options = {word.split("=")[0] for word in check.argv if word.startswith("--")}
        unknown = sorted(o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", result.stdout))
        assert not unknown, f"{what}: options not in its --help: {unknown}"
    elif check.kind == "make":
        result = _run(["make", "-n", *check.argv[1:]], REPO, env, timeout=60)
        assert result.returncode == 0, f"{what}: 'make -n' failed:\n{result.stderr[-3000:]}"
    elif check.kind == "pytest":
        markers: set[str] = set()
        for flag, value in pairwise(check.argv[3:]):
            if flag == "-m":
                markers |= set(re.findall(r"[A-Za-z_]\w*", value)) - {"and", "or", "not"}
        result = _run([sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"], REPO, env)
        assert result.returncode == 0, f"{what}: 'pytest --markers' failed:\n{result.stderr[-3000:]}"
        missing = sorted(m for m in markers if f"@pytest.mark.{m}:" not in result.stdout)
        assert not missing, f"{what}: markers not registered: {missing}"
    else:  # pragma: no cover - check_for only makes the kinds above
        raise AssertionError(f"{what}: unknown check {check.kind}")


# --- links between the pages -------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of ``path``'s headings (lower case, punctuation dropped, spaces to -)."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    headings = re.findall(r"^#+\s+(.*)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_links_between_pages_resolve() -> None:
    """Every relative link of README.md and docs/*.md names an existing file, and its anchor a
    heading of that file."""
    broken = []
    for path in DOC_FILES:
        for target in _LINK.findall(path.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            name, _, anchor = target.partition("#")
            linked = (path.parent / name).resolve() if name else path
            where = f"{path.relative_to(REPO).as_posix()}: ({target})"
            if not linked.exists():
                broken.append(f"{where}: no file {name}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{where}: no heading #{anchor} in {linked.relative_to(REPO).as_posix()}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_docs_index_lists_every_page() -> None:
    """docs/README.md links every page of docs/, and the README links docs/README.md."""
    index = (REPO / "docs" / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in _LINK.findall(index)}
    unlisted = sorted(p.name for p in (REPO / "docs").glob("*.md") if p.name != "README.md" and p.name not in linked)
    assert not unlisted, f"docs/README.md does not list: {unlisted}"
    assert "docs/README.md" in _LINK.findall((REPO / "README.md").read_text(encoding="utf-8")), (
        "README.md does not link docs/README.md"
    )
