"""Offline generator of a synthetic, Megadiff-format training set.

Megadiff (``ASSERT-KTH/megadiff-single-function``) cannot be downloaded in offline
tests, so this package fabricates rows with exactly the same columns:

``diff`` (unified diff, ``--- a/<path>`` / ``+++ b/<path>`` header, ``@@`` hunks with
3 lines of context), ``is_single_chunk`` (the diff has one hunk),
``is_single_function`` (always True), ``buggy_function`` and ``fixed_function``.

The fixed function is a method of a small hand-written corpus (:data:`CORPUS`, original
code, the package resource ``data/SyntheticCorpus.java``), optionally with renamed
identifiers and method name (:mod:`fimrepair.synthetic.variation`); the buggy
function is the same method after one (sometimes two) seeded bug injections
(:data:`fimrepair.synthetic.injectors.INJECTORS`). A few rows carry documented noise
(:data:`NOISE_KINDS`) so that the downstream filters (duplicates, buggy == fixed, empty
fixed function, comment-only changes) have something to remove. This module assembles the
rows; the diffs are :mod:`fimrepair.synthetic.unidiff`'s.

Everything is pure and deterministic for a given seed; 5,000 rows take about 1.5 s and
72,393 rows (the size of Megadiff single-function) well under a minute.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable
from importlib import resources

from fimrepair.methodgen import generate_method
from fimrepair.synthetic.injectors import INJECTORS, Injector
from fimrepair.synthetic.lexing import method_body
from fimrepair.synthetic.unidiff import make_unified_diff
from fimrepair.synthetic.variation import vary_method

__all__ = [
    "CORPUS",
    "NOISE_KINDS",
    "MEGADIFF_COLUMNS",
    "generate_annotated_rows",
    "fixed_functions",
    "generate_megadiff_rows",
    "iter_corpus_methods",
]

MEGADIFF_COLUMNS: tuple[str, ...] = (
    "diff",
    "is_single_chunk",
    "is_single_function",
    "buggy_function",
    "fixed_function",
)

# --------------------------------------------------------------------------------------
# Corpus: original Java methods in the package resource data/SyntheticCorpus.java,
# formatted as members of its class (4-space signature, 8-space body). Binary operators
# are always written with spaces around them and generics without, which the injectors
# rely on.
# --------------------------------------------------------------------------------------

CORPUS_RESOURCE = "SyntheticCorpus.java"
"""The package resource (``fimrepair/data/``) holding the corpus as one Java class."""


def _split_corpus(text: str) -> tuple[str, ...]:
    """Split the corpus text into methods (blank-line separated), each ending in ``\\n``."""
    blocks = [b.strip("\n") for b in text.strip("\n").split("\n\n")]
    return tuple(b + "\n" for b in blocks if b.strip())


def _class_body(java: str) -> str:
    """The text between the class's opening line and its closing brace."""
    lines = java.split("\n")
    open_line = next(i for i, line in enumerate(lines) if line.startswith("public class "))
    close_line = max(i for i, line in enumerate(lines) if line == "}")
    return "\n".join(lines[open_line + 1 : close_line]) + "\n"


def load_corpus() -> tuple[str, ...]:
    """The corpus methods, read from :data:`CORPUS_RESOURCE`."""
    text = resources.files("fimrepair").joinpath("data", CORPUS_RESOURCE).read_text(encoding="utf-8")
    return _split_corpus(_class_body(text))


CORPUS: tuple[str, ...] = load_corpus()
"""The fixed (correct) methods the rows are derived from, before variation."""


# --------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------

NOISE_KINDS: dict[str, float] = {
    "duplicate": 0.02,
    "identical": 0.01,
    "empty_fixed": 0.01,
    "comment_only": 0.02,
}
"""Injected noise and its rate (exact count ``round(rate * n_rows)``, seeded positions).

- ``duplicate``: an exact copy (all five columns) of an earlier row.
- ``identical``: ``buggy_function == fixed_function``; the diff touches an import line
  outside the function (as in real Megadiff, where the change lies elsewhere in the file).
- ``empty_fixed``: ``fixed_function == ""``; the diff deletes the whole method.
- ``comment_only``: the two functions differ only in a ``//`` comment line.

All other rows (``clean``) have buggy != fixed and are unique as
(buggy_function, fixed_function) pairs (so no clean row is a duplicate of another under
any reasonable de-duplication key). About :data:`DOUBLE_BUG_RATE` of them carry two injected bugs (often
two hunks, ``is_single_chunk`` False).
"""

DOUBLE_BUG_RATE = 0.12

_ORGS = ("org", "com", "net", "io")
_VENDORS = ("acme", "openlab", "mercury", "nimbus", "quarry", "tundra", "vertex", "willow", "zephyr", "harbor")
_MODULES = ("util", "core", "common", "text", "algo", "collections", "support", "helpers", "lang", "misc")
_CLASSES = ("Utils", "Helper", "Tools", "Ops", "Support", "Functions", "Algorithms", "Commons", "Kit", "Lib")
_PREFIXES = ("String", "Array", "Math", "Collection", "Number", "Text", "List", "Search", "Sort", "Parse")
_COMMENTS = (
    "TODO: handle null input",
    "fast path",
    "see issue tracker",
    "keep in sync with the docs",
    "edge case: empty input",
    "NOTE: not thread safe",
    "FIXME: revisit for large inputs",
    "iterate over all elements",
    "result is never null",
)


def _random_path(rng: random.Random) -> str:
    return f"src/main/java/{rng.choice(_ORGS)}/{rng.choice(_VENDORS)}/{rng.choice(_MODULES)}/{rng.choice(_PREFIXES)}{rng.choice(_CLASSES)}.java"


def _n_hunks(diff: str) -> int:
    return sum(1 for line in diff.split("\n") if line.startswith("@@"))


def _row(buggy: str, fixed: str, diff: str) -> dict[str, object]:
    return {
        "diff": diff,
        "is_single_chunk": _n_hunks(diff) == 1,
        "is_single_function": True,
        "buggy_function": buggy,
        "fixed_function": fixed,
    }


_INJECTOR_LIST: tuple[Injector, ...] = tuple(INJECTORS.values())


def _mutate(method: str, rng: random.Random) -> str | None:
    order = list(_INJECTOR_LIST)
    rng.shuffle(order)
    for inj in order:
        out = inj(method, rng)
        if out is not None and out != method:
            return out
    return None


def _fixed_method(rng: random.Random, generated_share: float) -> str:
    """A corpus method (varied), or with probability ``generated_share`` a generated one
    (:mod:`fimrepair.methodgen`). With share 0 no extra draw is made, so rows are unchanged."""
    if generated_share > 0 and rng.random() < generated_share:
        return generate_method(rng)
    return vary_method(rng.choice(CORPUS), rng)


def _clean_row(rng: random.Random, generated_share: float = 0.0) -> dict[str, object]:
    while True:
        fixed = _fixed_method(rng, generated_share)
        buggy = _mutate(fixed, rng)
        if buggy is None:
            continue
        if rng.random() < DOUBLE_BUG_RATE:
            second = _mutate(buggy, rng)
            if second is not None and second != fixed:
                buggy = second
        offset = rng.randint(8, 400)
        return _row(buggy, fixed, make_unified_diff(buggy, fixed, _random_path(rng), offset))


def _identical_row(rng: random.Random) -> dict[str, object]:
    fixed = vary_method(rng.choice(CORPUS), rng)
    path = _random_path(rng)
    pkg = path[len("src/main/java/") :].rsplit("/", 1)[0].replace("/", ".")
    cls = path.rsplit("/", 1)[1][: -len(".java")]
    head = [
        f"package {pkg};",
        "",
        "import java.util.ArrayList;",
        "import java.util.List;",
        "import java.util.Map;",
        "",
        f"public class {cls} {{",
    ]
    new_head = list(head)
    new_head[rng.choice((2, 3, 4))] = rng.choice(("import java.util.*;", "import java.util.HashMap;"))
    diff = make_unified_diff("\n".join(head) + "\n", "\n".join(new_head) + "\n", path)
    return _row(fixed, fixed, diff)


def _empty_fixed_row(rng: random.Random) -> dict[str, object]:
    buggy = vary_method(rng.choice(CORPUS), rng)
    if rng.random() < 0.5:
        buggy = _mutate(buggy, rng) or buggy
    return _row(buggy, "", make_unified_diff(buggy, "", _random_path(rng), rng.randint(8, 400)))


def _comment_only_row(rng: random.Random) -> dict[str, object]:
    fixed = vary_method(rng.choice(CORPUS), rng)
    lines, body = method_body(fixed)
    li = rng.choice(list(body))
    indent = lines[li][: len(lines[li]) - len(lines[li].lstrip())]
    c1, c2 = rng.sample(_COMMENTS, 2)
    fixed_lines = lines[:li] + [f"{indent}// {c1}"] + lines[li:]
    if rng.random() < 0.5:
        buggy_lines = lines  # comment added by the fix
    else:
        buggy_lines = lines[:li] + [f"{indent}// {c2}"] + lines[li:]  # comment reworded
    buggy = "\n".join(buggy_lines) + "\n"
    fixed = "\n".join(fixed_lines) + "\n"
    return _row(buggy, fixed, make_unified_diff(buggy, fixed, _random_path(rng), rng.randint(8, 400)))


_MAKERS: dict[str, Callable[[random.Random], dict[str, object]]] = {
    "clean": _clean_row,
    "identical": _identical_row,
    "empty_fixed": _empty_fixed_row,
    "comment_only": _comment_only_row,
}


def generate_annotated_rows(
    n_rows: int, seed: int, generated_share: float = 0.0
) -> tuple[list[dict[str, object]], list[str]]:
    """Like :func:`generate_megadiff_rows`, also returning each row's kind
    (``"clean"`` or a key of :data:`NOISE_KINDS`)."""
    if n_rows < 0:
        raise ValueError("n_rows must be >= 0")
    if not 0.0 <= generated_share <= 1.0:
        raise ValueError(f"generated_share must lie in [0, 1], got {generated_share}")
    makers = {**_MAKERS, "clean": functools.partial(_clean_row, generated_share=generated_share)}
    rng = random.Random(f"fimrepair.synthetic:{seed}")
    counts = {k: round(rate * n_rows) for k, rate in NOISE_KINDS.items()}
    n_dup = counts.pop("duplicate") if n_rows > 1 else 0
    n_base = n_rows - n_dup
    base_kinds = ["clean"] * n_base
    noise_slots = rng.sample(range(n_base), min(n_base, sum(counts.values())))
    it = iter(noise_slots)
    for kind, c in counts.items():
        for _ in range(c):
            slot = next(it, None)
            if slot is not None:
                base_kinds[slot] = kind

    seen: set[tuple[object, ...]] = set()
    base_rows: list[dict[str, object]] = []
    for kind in base_kinds:
        maker = makers[kind]
        for _attempt in range(100):
            row = maker(rng)
            # clean rows are unique as (buggy, fixed) pairs; noise rows as whole rows
            key = (
                (row["buggy_function"], row["fixed_function"])
                if kind == "clean"
                else (kind, row["buggy_function"], row["fixed_function"], row["diff"])
            )
            if key not in seen:
                break
        seen.add(key)
        base_rows.append(row)

    rows: list[dict[str, object]] = list(base_rows)
    kinds: list[str] = list(base_kinds)
    for _ in range(n_dup):
        pos = rng.randint(1, len(rows))  # insert before index pos, so source < pos
        src = rng.randrange(pos)
        rows.insert(pos, dict(rows[src]))
        kinds.insert(pos, "duplicate")
    return rows, kinds


def generate_megadiff_rows(n_rows: int, seed: int, generated_share: float = 0.0) -> list[dict[str, object]]:
    """``n_rows`` synthetic Megadiff single-function rows, deterministic for ``seed``.

    Each row is a dict with exactly :data:`MEGADIFF_COLUMNS`; see :data:`NOISE_KINDS`
    for the noise it contains. A share ``generated_share`` of the clean rows is built on
    generated methods (:mod:`fimrepair.methodgen`) instead of the corpus."""
    return generate_annotated_rows(n_rows, seed, generated_share)[0]


def fixed_functions(n_rows: int, seed: int) -> list[str]:
    """The distinct non-empty fixed functions of :func:`generate_megadiff_rows` ``(n_rows, seed)``,
    sorted: a pre-training corpus for a tiny model built without the pipeline's data stage (the
    tests' and the GPU check's)."""
    return sorted({str(r["fixed_function"]) for r in generate_megadiff_rows(n_rows, seed) if r["fixed_function"]})


def iter_corpus_methods() -> Iterable[str]:
    """The corpus methods (for overlap checks against a benchmark)."""
    return iter(CORPUS)
