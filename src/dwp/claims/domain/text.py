"""Free text a citizen types: refused if it holds control or bidi-override characters (DESIGN.md 4),
which can hide or reorder what a caseworker reads."""

from __future__ import annotations

import unicodedata

from dwp.claims.domain.errors import FieldProblem

# Bidi embeddings, overrides and isolates (Unicode TR9): they change how the text around them shows.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def text_problem(
    field: str, value: str, *, longest: int = 2000, required: bool = False
) -> FieldProblem | None:
    """The problem with one piece of free text, or None when it is fine."""
    if required and not value.strip():
        return FieldProblem(field, "enter this", "required")
    if len(value) > longest:
        return FieldProblem(field, f"must be {longest} characters or fewer", "too_long")
    for ch in value:
        if ch in _BIDI_CONTROLS:
            return FieldProblem(field, "must not contain text-direction control characters", "bidi")
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            return FieldProblem(field, "must not contain control characters", "control")
    return None
