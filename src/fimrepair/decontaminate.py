"""Decontamination: training rows that overlap the benchmark's bugs are dropped and counted.

Two measures, each row's buggy and fixed function against each bug's buggy and fixed function:

- **exact**: equal after normalisation (comments removed, whitespace collapsed);
- **near-duplicate**: Jaccard similarity of the sets of token ``n``-grams (Java-ish tokens:
  identifiers, numbers, single punctuation characters) at or above ``threshold``.

Both are pure. The near-duplicate check uses an inverted index of the benchmark's n-grams, so
a row costs one dictionary look-up per n-gram, whatever the benchmark's size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fimrepair.config import DecontaminationSpec
from fimrepair.javasrc import collapse_whitespace, strip_comments

EXACT = "decontamination: exact match with a benchmark method (normalised)"
NEAR = "decontamination: near-duplicate of a benchmark method"

_TOKEN = re.compile(r"[A-Za-z_$][\w$]*|\d[\w.]*|\S")


def normalise(code: str) -> str:
    """Comment-free, whitespace-collapsed text."""
    return collapse_whitespace(strip_comments(code))


def shingles(code: str, n: int) -> frozenset[tuple[str, ...]]:
    """The set of token ``n``-grams of ``code`` (the whole token sequence when shorter)."""
    toks = _TOKEN.findall(code)
    if len(toks) < n:
        return frozenset([tuple(toks)]) if toks else frozenset()
    return frozenset(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def jaccard(a: frozenset[Any], b: frozenset[Any]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Hit:
    """Why a row is contaminated: the measure, the bug and the similarity."""

    reason: str
    bug_id: str
    score: float


_DEFAULT = DecontaminationSpec()  # ``data.decontamination``'s defaults, from the schema


class Decontaminator:
    """Checks rows against the benchmark bugs (records with ``bug_id``, ``buggy_function``,
    ``fixed_function``)."""

    def __init__(
        self,
        bugs: Iterable[Mapping[str, Any]],
        *,
        threshold: float = _DEFAULT.threshold,
        ngram: int = _DEFAULT.ngram,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"decontamination threshold must lie in (0, 1], got {threshold}")
        if ngram < 1:
            raise ValueError(f"decontamination ngram must be >= 1, got {ngram}")
        self.threshold, self.ngram = threshold, ngram
        self.exact: dict[str, str] = {}
        self.sizes: list[int] = []
        self.owner: list[str] = []
        self.index: dict[tuple[str, ...], list[int]] = {}
        for bug in bugs:
            for side in ("buggy_function", "fixed_function"):
                text = str(bug[side])
                self.exact.setdefault(normalise(text), str(bug["bug_id"]))
                grams = shingles(text, ngram)
                k = len(self.sizes)
                self.sizes.append(len(grams))
                self.owner.append(str(bug["bug_id"]))
                for g in grams:
                    self.index.setdefault(g, []).append(k)

    def check_function(self, code: str, *, normalised: str | None = None) -> Hit | None:
        """The first overlap of one function with the benchmark, or None."""
        norm = normalise(code) if normalised is None else normalised
        if norm in self.exact:
            return Hit(EXACT, self.exact[norm], 1.0)
        grams = shingles(code, self.ngram)
        if not grams:
            return None
        shared: Counter[int] = Counter()
        for g in grams:
            for k in self.index.get(g, ()):
                shared[k] += 1
        best: Hit | None = None
        for k, c in shared.items():
            score = c / (len(grams) + self.sizes[k] - c)
            if score >= self.threshold and (best is None or score > best.score):
                best = Hit(NEAR, self.owner[k], score)
        return best

    def check(self, buggy: str, fixed: str) -> Hit | None:
        """The overlap of a training row (exact before near-duplicate), or None."""
        hits = [h for h in (self.check_function(buggy), self.check_function(fixed)) if h is not None]
        if not hits:
            return None
        exact = [h for h in hits if h.reason == EXACT]
        return exact[0] if exact else max(hits, key=lambda h: h.score)


def decontaminate(
    examples: Iterable[Any], bugs: Iterable[Mapping[str, Any]], *, threshold: float, ngram: int
) -> tuple[list[Any], Counter[str], list[dict[str, Any]]]:
    """Kept examples, dropped counts per reason (:data:`EXACT`, :data:`NEAR`), and one record
    per dropped row ``{row_id, source_index, reason, bug_id, score}``."""
    checker = Decontaminator(bugs, threshold=threshold, ngram=ngram)
    kept, counts, dropped = [], Counter({EXACT: 0, NEAR: 0}), []
    for e in examples:
        hit = checker.check(e.buggy_function, e.fixed_function)
        if hit is None:
            kept.append(e)
            continue
        counts[hit.reason] += 1
        dropped.append(
            {
                "row_id": e.row_id,
                "source_index": e.source_index,
                "reason": hit.reason,
                "bug_id": hit.bug_id,
                "score": round(hit.score, 4),
            }
        )
    return kept, counts, dropped
