"""Identifiers are ASCII once read (other scripts' digits folded, look-alike letters refused), and free
text refuses what cannot be seen while keeping every script, accent, apostrophe and hyphen."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dwp.contracts.identifiers import InvalidIdentifier, InvalidText, fold_digits, free_text, nino

EVERY_DIGIT = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd"]
ZEROS = [d for d in EVERY_DIGIT if unicodedata.digit(d) == 0]
"""Each script's block of ten digits starts with its zero."""


def in_script(text: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(ch)) if ch.isascii() and ch.isdigit() else ch for ch in text)


def test_there_are_many_digit_scripts_and_every_zero_starts_a_block_of_ten() -> None:
    assert len(ZEROS) > 60
    for zero in ZEROS:
        assert [unicodedata.digit(chr(ord(zero) + n)) for n in range(10)] == list(range(10))


@pytest.mark.parametrize("zero", ZEROS, ids=lambda z: unicodedata.name(z, f"U+{ord(z):04X}"))
def test_a_nino_in_any_scripts_digits_is_the_ascii_nino(zero: str) -> None:
    """Before: JM654321A with fullwidth, Arabic-Indic or NKo digits were three more citizens."""
    assert nino(in_script("JM654321A", zero)) == "JM654321A"
    assert nino(in_script("jm 65 43 21 a", zero)) == "JM654321A"


@given(st.lists(st.sampled_from(EVERY_DIGIT), min_size=6, max_size=6))
def test_any_mix_of_digits_folds_to_the_same_nino(digits: list[str]) -> None:
    ascii_digits = "".join(str(unicodedata.digit(d)) for d in digits)
    assert nino("JM" + "".join(digits) + "A") == f"JM{ascii_digits}A"
    assert fold_digits("".join(digits)) == ascii_digits


LOOK_ALIKES = {
    "fullwidth J": "\uff2aM654321A",
    "fullwidth suffix": "JM654321\uff21",
    "Cyrillic M": "J\u041c654321A",
    "Cyrillic A suffix": "JM654321\u0410",
    "Greek A suffix": "JM654321\u0391",
    "Greek M": "J\u039c654321A",
    "dotless i": "J\u0131654321A",
    "long s": "\u017fM654321A",
    "superscript digit": "JM65432\u00b9A",
    "circled digit": "JM65432\u2460A",
    "roman numeral": "JM65432\u2160A",
    "zero-width space": "JM654\u200b321A",
    "NUL": "JM654321A\x00",
}


@pytest.mark.parametrize("raw", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_look_alike_letters_and_non_decimal_digits_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="letters A to Z"):
        nino(raw)


NON_ASCII_LETTERS = st.characters(categories=["Lu", "Ll", "Lt", "Lo"]).filter(lambda c: not c.isascii())


@given(NON_ASCII_LETTERS, st.integers(min_value=0, max_value=2))
def test_any_non_ascii_letter_in_a_nino_is_refused(letter: str, where: int) -> None:
    positions = [0, 1, 8]
    raw = list("JM654321A")
    raw[positions[where]] = letter
    with pytest.raises(InvalidIdentifier):
        nino("".join(raw))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("DA123456A", "prefix"), ("FA123456A", "prefix"), ("IA123456A", "prefix"), ("QQ123456C", "prefix"),
        ("UA123456A", "prefix"), ("VA123456A", "prefix"), ("AD123456A", "prefix"), ("AO123456A", "prefix"),
        ("BG123456A", "prefix"), ("GB123456A", "prefix"), ("NK123456A", "prefix"), ("KN123456A", "prefix"),
        ("TN123456A", "prefix"), ("NT123456A", "prefix"), ("ZZ123456A", "prefix"),
        ("AB123456E", "then A, B, C or D"), ("AB12345", "2 letters, 6 numbers and a letter"),
    ],
)  # fmt: skip
def test_hmrc_rules_hold_after_folding(raw: str, reason: str) -> None:
    """NIM39110, checked on the folded value, so another script's digits cannot get round it."""
    for zero in ("0", "\uff10", "\u0660", "\u07c0"):
        with pytest.raises(InvalidIdentifier, match=reason):
            nino(in_script(raw, zero))


NAMES = [
    "Ŵyn", "Dafydd ap Gwŷn", "Siân", "Óisín", "O'Brien", "D\u2019Arcy", "Smith-Jones", "Zoë",
    "Nguyễn", "Łukasz", "Müller", "José", "Αθηνά", "Владимир", "محمد", "דוד", "李小龍", "さくら",
    "김민준", "अर्जुन", "தமிழ்", "ᏣᎳᎩ", "Ngũgĩ wa Thiong'o",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_names_in_every_script_with_accents_apostrophes_and_hyphens_are_kept(name: str) -> None:
    assert free_text(name) == unicodedata.normalize("NFC", name)


def test_free_text_is_stored_in_nfc() -> None:
    assert free_text("w\u0302") == "ŵ"
    assert free_text("  Siân  ") == "Siân"


REFUSED = {
    "NUL": "Sam\x00",
    "bell": "Sa\x07m",
    "escape": "Sam\x1b[2J",
    "newline": "Sam\nDemo",
    "DEL": "Sa\x7fm",
    "C1 next line": "Sa\x85m",
    "C1 CSI": "Sa\x9bm",
    "right-to-left override": "Sam\u202egnp.exe",
    "left-to-right embedding": "\u202aSam",
    "pop directional": "Sam\u202c",
    "right-to-left isolate": "Sam\u2067x",
    "first-strong isolate": "Sam\u2068x",
    "zero-width space": "Sa\u200bm",
    "zero-width joiner": "Sa\u200dm",
    "zero-width non-joiner": "Sa\u200cm",
    "word joiner": "Sa\u2060m",
    "byte order mark": "\ufeffSam",
    "soft hyphen": "Sa\u00adm",
    "line separator": "Sam\u2028Demo",
    "paragraph separator": "Sam\u2029Demo",
    "private use": "Sam\ue000",
    "unassigned": "Sam\U000e0fff",
    "lone surrogate": "Sam\ud800",
}


@pytest.mark.parametrize("raw", REFUSED.values(), ids=REFUSED.keys())
def test_control_format_zero_width_and_bidi_characters_are_refused(raw: str) -> None:
    with pytest.raises(InvalidText, match=r"must not contain .* \(U\+[0-9A-F]{4,}\)"):
        free_text(raw)


INVISIBLE = st.characters(categories=["Cc", "Cf", "Co", "Zl", "Zp"])


@given(st.text(st.characters(categories=["L", "M", "Nd", "Zs", "Pd"]), max_size=20), INVISIBLE)
def test_any_invisible_character_inside_text_is_refused(text: str, invisible: str) -> None:
    with pytest.raises(InvalidText):
        free_text(f"a{text}{invisible}{text}b")
