"""Postcodes and UPRNs: every format Royal Mail uses, the special ones, and hostile input."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from dwp.contracts.postcodes import (
    OVERSEAS_TERRITORIES,
    InvalidPostcode,
    PostcodeStr,
    UprnStr,
    parse_postcode,
    uprn,
)

# One of each of Royal Mail's six formats (real postcodes), typed the ways people type them.
FORMATS = [
    ("m11ae", "M1 1AE"),  # A9 9AA
    ("b338th", "B33 8TH"),  # A99 9AA
    ("cr2 6xh", "CR2 6XH"),  # AA9 9AA
    ("DN551PT", "DN55 1PT"),  # AA99 9AA
    ("w1a 0ax", "W1A 0AX"),  # A9A 9AA
    ("sw1a1aa", "SW1A 1AA"),  # AA9A 9AA
    ("  EC1A  1BB  ", "EC1A 1BB"),  # padded
    ("\tec1a\n1bb", "EC1A 1BB"),
]


@pytest.mark.parametrize(("raw", "expected"), FORMATS)
def test_every_format_is_normalised(raw: str, expected: str) -> None:
    postcode = parse_postcode(raw)
    assert postcode.value == expected
    assert postcode.kind == "great-britain"
    assert postcode.claimable


@pytest.mark.parametrize(
    ("raw", "expected", "kind"),
    [
        ("gir0aa", "GIR 0AA", "non-geographic"),
        ("BFPO 1234", "BFPO 1234", "forces"),
        ("bfpo801", "BFPO 801", "forces"),
        ("BF1 4FB", "BF1 4FB", "forces"),
        ("gx111aa", "GX11 1AA", "gibraltar"),
        ("BT7 1NN", "BT7 1NN", "northern-ireland"),
        ("JE2 3AB", "JE2 3AB", "crown-dependency"),
        ("GY1 1AA", "GY1 1AA", "crown-dependency"),
        ("IM1 1AA", "IM1 1AA", "crown-dependency"),
        ("BX1 1LT", "BX1 1LT", "non-geographic"),
    ],
)
def test_special_postcodes_parse_but_are_not_for_a_claim(raw: str, expected: str, kind: str) -> None:
    postcode = parse_postcode(raw)
    assert (postcode.value, postcode.kind) == (expected, kind)
    assert not postcode.claimable
    assert postcode.not_claimable_reason


@pytest.mark.parametrize("code", sorted(OVERSEAS_TERRITORIES))
def test_overseas_territories(code: str) -> None:
    assert {"ASCN", "STHL", "TDCU", "BBND", "BIQQ", "FIQQ", "PCRN", "SIQQ", "TKCA"} == {
        c.split()[0] for c in OVERSEAS_TERRITORIES
    }
    postcode = parse_postcode(code.lower().replace(" ", ""))
    assert postcode.value == code
    assert postcode.kind == "overseas-territory"
    assert not postcode.claimable


@pytest.mark.parametrize(
    "raw",
    [
        "QA1 1AA",  # Q never first
        "VA1 1AA",  # V never first
        "XA1 1AA",  # X never first
        "AI1 1AA",  # I never second
        "AJ1 1AA",  # J never second
        "AZ1 1AA",  # Z never second
        "W1I 1AA",  # I not a third letter of A9A
        "EC1L 1AA",  # L not a fourth letter of AA9A
        "SW1A 1CA",  # C never a unit letter
        "SW1A 1AK",
        "SW1A 1AM",
        "SW1A 1AO",
        "SW1A 1AV",
        "SW1A 1IA",
        "SW1A",  # outward only
        "1AA",
        "SW1A 1A",
        "SW1A 11A",
        "SW1AA 1AA",
        "BFPO 12345",
        "BFPO",
        "ASCN 2ZZ",
        "GIR 0AB",
        "",
        "   ",
    ],
)
def test_not_postcodes(raw: str) -> None:
    with pytest.raises(InvalidPostcode):
        parse_postcode(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SW1A \uff11AA", "SW1A 1AA"),  # fullwidth digit one
        ("SW\u0661A 1AA", "SW1A 1AA"),  # Arabic-Indic one
        ("SW\u0967A \u0967AA", "SW1A 1AA"),  # Devanagari one
        ("SW1A\u00a01AA", "SW1A 1AA"),  # no-break space is a space
    ],
)
def test_other_scripts_digits_are_folded(raw: str, expected: str) -> None:
    assert parse_postcode(raw).value == expected


@pytest.mark.parametrize(
    "raw",
    [
        "SW1\u0410 1AA",  # Cyrillic A
        "SW1\u0391 1AA",  # Greek Alpha
        "SW1\uff21 1AA",  # fullwidth A
        "SW1A\x001AA",  # NUL
        "SW1A\u200b1AA",  # zero-width space
        "SW1A\u202e1AA",  # bidi override
        "SW1A-1AA",
        "SW1A 1AA;",
        "SW1A 1AA" + " " * 40,  # padded past any postcode
        "A" * 10_000,
    ],
)
def test_hostile_input_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPostcode):
        parse_postcode(raw)


def test_one_postcode_is_never_two() -> None:
    spellings = ["sw1a1aa", "SW1A 1AA", " s w 1 a 1 a a ", "SW1A\uff11AA", "sw\u0661a1aa"]
    assert {parse_postcode(s).value for s in spellings} == {"SW1A 1AA"}


@pytest.mark.parametrize(("raw", "expected"), [("1", "1"), ("100023336956", "100023336956"), ("007", "7")])
def test_uprn(raw: str, expected: str) -> None:
    assert uprn(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "0", "1234567890123", "12a", "-1", "1.5", "\u0661\u0662x", "1\x002", "1\u200b2", "9" * 40]
)
def test_not_uprns(raw: str) -> None:
    with pytest.raises(InvalidPostcode):
        uprn(raw)


def test_uprn_folds_other_scripts_digits() -> None:
    assert uprn("\u0661\u0662\u0663") == "123"


def test_pydantic_fields() -> None:
    class Body(BaseModel):
        postcode: PostcodeStr
        uprn: UprnStr

    assert Body(postcode="sw1a1aa", uprn="0012").model_dump() == {"postcode": "SW1A 1AA", "uprn": "12"}
    with pytest.raises(ValidationError) as caught:
        Body(postcode="nope", uprn="1")
    assert caught.value.errors()[0]["loc"] == ("postcode",)
