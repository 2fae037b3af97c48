"""Identifiers and free text as every service reads them, so that one person is never two.

Python's `\\d` (and `str.isdigit`) match every script's digits, so `JM654321A` written with fullwidth,
Arabic-Indic or NKo digits passed the NINO pattern as four different numbers: four citizens. Here digits
of any script are folded to ASCII before any check, and a letter outside A to Z (a fullwidth A, U+FF21, or
a Cyrillic or Greek A, U+0410 or U+0391, that looks like a Latin one) is refused rather than guessed at.

Free text (names and the like) keeps every script, accent, apostrophe and hyphen, but refuses what a
person cannot see or type on purpose: control characters (NUL included), format characters (zero-width
spaces and joiners, bidi overrides and isolates, the byte order mark), surrogates, private-use and
unassigned code points. It is stored in NFC, so `ŵ` typed as `w` plus a combining circumflex is the
same name as `ŵ` typed at once.

The functions raise `InvalidIdentifier` or `InvalidText` (both `ValueError`s, so a Pydantic validator
turns them into a field error); the `Annotated` types below are those functions as Pydantic fields.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field


class InvalidIdentifier(ValueError):
    """The value is not the identifier it claims to be; the message is for the person who typed it."""


class InvalidText(ValueError):
    """Free text with characters that are not to be stored; the message says which, by code point."""


def fold_digits(raw: str) -> str:
    """Every decimal digit of any script (Unicode category Nd) as its ASCII digit; the rest unchanged."""
    return "".join(str(unicodedata.digit(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in raw)


def ascii_identifier(raw: str, *, what: str) -> str:
    """`raw` with spaces removed and digits folded, if what is left is ASCII letters and digits only."""
    compact = fold_digits("".join(ch for ch in raw if not ch.isspace()))
    if not compact.isascii() or not compact.isalnum():
        raise InvalidIdentifier(f"{what} can only use the letters A to Z and the numbers 0 to 9")
    return compact


# HMRC National Insurance Manual NIM39110: the format is two prefix letters, six digits and a suffix
# A, B, C or D. D, F, I, Q, U and V are never used as either prefix letter, O is not used as the second,
# and the prefixes BG, GB, NK, KN, TN, NT and ZZ are not allocated.
_NINO_SHAPE = re.compile(r"([A-Z])([A-Z])([0-9]{6})([A-D])", re.ASCII)
_NEVER_FIRST = frozenset("DFIQUV")
_NEVER_SECOND = frozenset("DFIQUVO")
_UNALLOCATED_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def nino(raw: str) -> str:
    """A National Insurance number as HMRC writes it (`QQ123456C`), whatever digits or spacing it came in."""
    compact = ascii_identifier(raw, what="A National Insurance number").upper()  # ASCII: upper() is too
    if len(compact) != 9:
        raise InvalidIdentifier(
            "A National Insurance number is 2 letters, 6 numbers and a letter, like QQ 12 34 56 C"
        )
    match = _NINO_SHAPE.fullmatch(compact)
    if not match:
        raise InvalidIdentifier("A National Insurance number is 2 letters, 6 numbers, then A, B, C or D")
    first, second, _, _ = match.groups()
    if first in _NEVER_FIRST or second in _NEVER_SECOND or first + second in _UNALLOCATED_PREFIXES:
        raise InvalidIdentifier(f"{first}{second} is not a prefix HMRC uses for National Insurance numbers")
    return compact


_REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Cs": "a lone surrogate",
    "Co": "a private-use character",
    "Cn": "an unassigned character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def free_text(raw: str) -> str:
    """`raw` in NFC with its ends trimmed, if it has no character that is invisible or not text."""
    text = unicodedata.normalize("NFC", raw).strip()
    for ch in text:
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(ch))
        if kind:
            raise InvalidText(f"must not contain {kind} (U+{ord(ch):04X})")
    return text


NinoStr = Annotated[
    str,
    Field(min_length=1, max_length=32, json_schema_extra={"format": "national-insurance-number"}),
    AfterValidator(nino),
]
"""A National Insurance number field: folded and checked, then `QQ123456C`."""

FreeText = Annotated[str, AfterValidator(free_text)]
"""A free-text field; give its length with `Annotated[FreeText, Field(max_length=...)]`."""
