"""Published patch sets: other systems' validated candidates, re-validated by this pipeline.

Input format (RepairLLaMA ``results/*/evaluation_*.jsonl``; elle-elle-aime's evaluation output
has the same shape): one JSON object per bug with ``identifier`` and ``evaluation``, a list of
``{generation, compile, test, exact_match, ast_match, ...}`` per candidate (an entry may be
null for a candidate that was never generated), and usually the bare ``generation`` list too.
``generation`` is the complete candidate method.

:func:`convert` turns it into the pipeline's candidates format, keeping the authors' own
verdicts per candidate under ``published``; :func:`compare` sets them beside this pipeline's
verdicts (at the benchmark's Java level and, to show what the level changes, at the JDK's own):
bug-level counts either way, the per-candidate agreement, and each disagreement classified.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fimrepair.javasrc import signature_of

PUBLISHED_KEYS = ("compile", "test", "exact_match", "ast_match")

#: Disagreement classes, in the order they are tested (the first that applies).
CLASSES: tuple[tuple[str, str], ...] = (
    ("timeout", "timeout or crash here"),
    ("java_level", "the benchmark's Java level decides"),
    ("renamed", "their method has another name (their benchmark version)"),
    ("their_compile", "their compile failure where we compile"),
    ("our_compile", "compiles there, not here"),
    ("their_test", "their test failure where the tests pass here"),
    ("our_test", "passes there, a test fails here"),
)


class PublishedFormatError(ValueError):
    """A published file that is not in the expected format; the message names the row."""


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def convert(
    rows: Iterable[Mapping[str, Any]], system: str, benchmark: str, where: str = "published file"
) -> list[dict[str, Any]]:
    """Candidate rows (``{model, benchmark, bug_id, candidates: [{rank, function, published}]}``)
    from RepairLLaMA / elle-elle-aime evaluation rows. ``published`` holds the authors' own
    ``compile``/``test``/``exact_match``/``ast_match`` (None where they have none); a missing
    candidate becomes an empty function (this pipeline's verdict: uncompilable)."""
    out = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        bug_id = row.get("identifier")
        if not isinstance(bug_id, str) or not bug_id:
            raise PublishedFormatError(f"{where}: row {n} has no 'identifier'")
        if bug_id in seen:
            raise PublishedFormatError(f"{where}: row {n}: bug {bug_id} appears twice")
        seen.add(bug_id)
        evaluation = row.get("evaluation")
        generation = row.get("generation")
        if evaluation is None and generation is None:
            raise PublishedFormatError(f"{where}: row {n} (bug {bug_id}) has neither 'evaluation' nor 'generation'")
        entries = list(evaluation) if evaluation is not None else [None] * len(generation or [])
        gens = list(generation) if isinstance(generation, list) else [None] * len(entries)
        candidates = []
        for rank, entry in enumerate(entries):
            if entry is not None and not isinstance(entry, Mapping):
                raise PublishedFormatError(f"{where}: row {n} (bug {bug_id}): evaluation {rank} is not an object")
            function = (entry or {}).get("generation")
            if function is None and rank < len(gens):
                function = gens[rank]
            published = {k: _flag((entry or {}).get(k)) for k in PUBLISHED_KEYS}
            candidates.append({"rank": rank, "function": function or "", "published": published})
        out.append({"model": system, "benchmark": benchmark, "bug_id": bug_id, "candidates": candidates})
    return out


def claimed_counts(candidate_rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """What the authors' file claims: bugs with a passing / exact / compiling candidate, and
    candidates."""
    bugs = {"plausible": set(), "exact": set(), "compilable": set()}
    n = 0
    for row in candidate_rows:
        for c in row["candidates"]:
            n += 1
            p = c.get("published") or {}
            for key, flag in (("plausible", "test"), ("exact", "exact_match"), ("compilable", "compile")):
                if p.get(flag):
                    bugs[key].add(row["bug_id"])
    return {k: len(v) for k, v in bugs.items()} | {"candidates": n, "bugs": len(candidate_rows)}


def our_counts(verdicts: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """This pipeline's bug-level counts from its verdict rows."""
    bugs = {"plausible": set(), "exact": set(), "compilable": set()}
    ids = set()
    for v in verdicts:
        ids.add(v["bug_id"])
        if v["status"] == "plausible":
            bugs["plausible"].add(v["bug_id"])
        if v["exact_match"]:
            bugs["exact"].add(v["bug_id"])
        if v["status"] != "uncompilable":
            bugs["compilable"].add(v["bug_id"])
    return {k: len(v) for k, v in bugs.items()} | {"candidates": len(verdicts), "bugs": len(ids)}


def level_decides(ours: Mapping[str, Any], ours_jdk: Mapping[str, Any] | None) -> bool:
    """The Java level changes this verdict: the candidate compiles at one level and not at the
    other (the level restricts the language and the API at compile time; the tests run on the
    same JDK either way)."""
    return ours_jdk is not None and (ours["status"] == "uncompilable") != (ours_jdk["status"] == "uncompilable")


def classify(
    published: Mapping[str, Any],
    ours: Mapping[str, Any],
    ours_jdk: Mapping[str, Any] | None,
    function: str,
    method_name: str | None,
) -> str | None:
    """The disagreement class (a key of :data:`CLASSES`) of one candidate, or None when its
    test verdicts agree (theirs ``test`` vs ours plausible). ``ours_jdk``: this pipeline's verdict
    at the installed JDK's level (None: not run)."""
    theirs_pass = bool(published.get("test"))
    ours_pass = ours["status"] == "plausible"
    if theirs_pass == ours_pass:
        return None
    if ours["status"] in ("timeout", "crash"):
        return "timeout"
    if level_decides(ours, ours_jdk):
        return "java_level"
    sig = signature_of(function.encode("utf-8", "backslashreplace").decode("utf-8")) if function else None
    if method_name and sig is not None and sig.name != method_name and ours["status"] == "uncompilable":
        return "renamed"
    if published.get("compile") is False and ours["status"] != "uncompilable":
        return "their_compile"
    if ours["status"] == "uncompilable":
        return "our_compile"
    return "their_test" if ours_pass else "our_test"


def compare(
    candidate_rows: Sequence[Mapping[str, Any]],
    verdicts: Sequence[Mapping[str, Any]],
    verdicts_jdk: Sequence[Mapping[str, Any]] | None = None,
    method_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The authors' claims beside this pipeline's verdicts for one published system.

    Returns ``system, claimed`` (:func:`claimed_counts`), ``ours`` and ``ours_jdk``
    (:func:`our_counts` at the benchmark's level and at the JDK's own; None without
    ``verdicts_jdk``), ``agree``/``compared`` (candidates whose pass/fail verdicts agree),
    ``compile_agree``, ``level_changed`` (candidates whose verdict the Java level changes:
    :func:`level_decides`), ``unstable`` (candidates whose two runs differ otherwise, e.g. a test
    near its JUnit time limit on a loaded machine),
    ``disagreements`` (class -> count, every class of :data:`CLASSES` present) and ``examples``
    (class -> first few ``bug_id:rank``). A verdict row missing for a candidate is an error."""
    index = {(v["bug_id"], int(v["rank"])): v for v in verdicts}
    index_jdk = {(v["bug_id"], int(v["rank"])): v for v in verdicts_jdk} if verdicts_jdk is not None else None
    classes: Counter[str] = Counter({key: 0 for key, _ in CLASSES})
    examples: dict[str, list[str]] = {}
    agree = compile_agree = compared = level_changed = unstable = 0
    systems = {row["model"] for row in candidate_rows}
    for row in candidate_rows:
        for c in row["candidates"]:
            key = (row["bug_id"], int(c["rank"]))
            if key not in index:
                raise KeyError(f"no verdict for bug {key[0]} rank {key[1]} of {row['model']}")
            ours = index[key]
            ours_jdk = index_jdk.get(key) if index_jdk is not None else None
            published = c.get("published") or {}
            compared += 1
            if level_decides(ours, ours_jdk):
                level_changed += 1
            elif ours_jdk is not None and ours_jdk["status"] != ours["status"]:
                unstable += 1
            compile_agree += bool(published.get("compile")) == (ours["status"] != "uncompilable")
            cls = classify(published, ours, ours_jdk, c.get("function") or "", (method_names or {}).get(row["bug_id"]))
            if cls is None:
                agree += 1
            else:
                classes[cls] += 1
                examples.setdefault(cls, [])
                if len(examples[cls]) < 5:
                    examples[cls].append(f"{key[0]}:{key[1]}")
    return {
        "system": ", ".join(sorted(systems)),
        "claimed": claimed_counts(candidate_rows),
        "ours": our_counts(verdicts),
        "ours_jdk": our_counts(verdicts_jdk) if verdicts_jdk is not None else None,
        "agree": agree,
        "compile_agree": compile_agree,
        "compared": compared,
        "level_changed": level_changed,
        "unstable": unstable,
        "disagreements": dict(classes),
        "examples": examples,
    }


def tiny_published_rows(bugs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A small self-made published file (RepairLLaMA's format) over the first bugs: per bug the
    developer fix, the buggy method and a method that does not compile, with "claimed" verdicts
    that are right except on purpose for the first bug (its fix claimed not to compile) -- so the
    tiny run's published-patch table has both agreement and a classified disagreement."""
    rows = []
    for i, bug in enumerate(sorted(bugs, key=lambda b: b["bug_id"])[:4]):
        fixed, buggy = bug["fixed_function"], bug["buggy_function"]
        broken = buggy.rstrip().rstrip("}") + "\n"  # the closing brace removed: never compiles
        evaluation = [
            {"generation": fixed, "compile": i != 0, "test": i != 0, "exact_match": True, "ast_match": True},
            {"generation": buggy, "compile": True, "test": False, "exact_match": False, "ast_match": False},
            {"generation": broken, "compile": False, "test": False, "exact_match": False, "ast_match": False},
        ]
        rows.append(
            {"identifier": bug["bug_id"], "generation": [e["generation"] for e in evaluation], "evaluation": evaluation}
        )
    return rows
