"""Syntactic grading of a candidate against the developer fix.

A candidate is graded as the bug's method it leaves behind (:func:`graded_function`): usually
the candidate itself, but a candidate that replaces a method nested inside the bug's method
(a method of a local or anonymous class, as in HumanEval-Java's DECODE_CYCLIC) is graded as
the bug's method with that nested method replaced, so that it can match the developer fix
(always the whole method) exactly.
"""

from __future__ import annotations

from dataclasses import replace

from fimrepair.bugs import Bug, PlacementError, place
from fimrepair.javasrc import normalize, signature_of, tokens

_OPEN, _CLOSE = "class __Graded {\n", "\n}\n"


def graded_function(bug: Bug, candidate_fn: str) -> str:
    """The bug's method as ``candidate_fn`` leaves it: the candidate when it replaces the whole
    method (its signature is the method's own, or it cannot be placed inside it), else the
    buggy method with the nested method of the candidate's signature replaced
    (:func:`fimrepair.bugs.place`, applied to the buggy method alone)."""
    own = signature_of(bug.buggy_function)
    sig = signature_of(candidate_fn)
    if own is None or sig is None or sig == own:
        return candidate_fn
    body = bug.buggy_function.rstrip("\n")
    wrapped = _OPEN + body + _CLOSE
    lines = body.count("\n") + 1
    alone = replace(bug, method_start=1, method_end=1 + lines)
    try:
        placed = place(wrapped, alone, candidate_fn)
    except PlacementError:
        return candidate_fn
    if not (placed.startswith(_OPEN) and placed.endswith(_CLOSE)):  # the wrapper itself was touched
        return candidate_fn
    return placed[len(_OPEN) : -len(_CLOSE)] + "\n"


def exact_match(candidate_fn: str, fixed_fn: str) -> bool:
    """Equal after removing comments and collapsing whitespace (:func:`javasrc.normalize`)."""
    return normalize(candidate_fn) == normalize(fixed_fn)


def ast_match(candidate_fn: str, fixed_fn: str) -> bool:
    """Equal token sequences of the parse (:func:`javasrc.tokens`): layout- and
    comment-insensitive, so it also holds for e.g. ``a+b`` vs ``a + b`` split over lines."""
    return tokens(candidate_fn) == tokens(fixed_fn)
