"""Syntactic grading of a candidate against the developer fix."""

from __future__ import annotations

from fimrepair.javasrc import normalize, tokens


def exact_match(candidate_fn: str, fixed_fn: str) -> bool:
    """Equal after removing comments and collapsing whitespace (:func:`javasrc.normalize`)."""
    return normalize(candidate_fn) == normalize(fixed_fn)


def ast_match(candidate_fn: str, fixed_fn: str) -> bool:
    """Equal token sequences of the parse (:func:`javasrc.tokens`): layout- and
    comment-insensitive, so it also holds for e.g. ``a+b`` vs ``a + b`` split over lines."""
    return tokens(candidate_fn) == tokens(fixed_fn)
