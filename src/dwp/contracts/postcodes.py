"""UK postcodes and UPRNs as every service reads them: ASCII, one spelling, and what kind of place it is.

A postcode is an outward code (area letters, district digits, maybe a letter) and an inward code (sector
digit, two unit letters). Royal Mail's formats, with the letters each position may hold (the
"Postcode Address File Programmers' Guide" and the GOV.UK Bulk Data Transfer postcode standard):

    A9 9AA   A99 9AA   AA9 9AA   AA99 9AA   A9A 9AA   AA9A 9AA

* first letter never Q, V or X; second letter never I, J or Z;
* the third position of A9A is one of A B C D E F G H J K P S T U W;
* the fourth position of AA9A is one of A B E H M N P R V W X Y;
* the unit letters are never C, I, K, M, O or V.

Beside those, the special postcodes: GIR 0AA (Girobank, now Santander, at Bootle), BFPO numbers
(British Forces Post Office, written `BFPO 1234`), the overseas territories' single postcodes
(ASCN, STHL, TDCU, BBND, BIQQ, FIQQ, PCRN, SIQQ, TKCA, all `1ZZ`) and Gibraltar's GX11 1AA.

Input is folded before any check so one postcode is never two: every whitespace character goes,
digits of any script become ASCII (fullwidth U+FF11, Arabic-Indic U+0661, Devanagari U+0967), ASCII
letters are upper-cased. A letter outside A to Z (fullwidth U+FF21, Cyrillic U+0410, Greek U+0391) is
refused rather
than guessed at, as are control, format and zero-width characters. Input longer than
`MAX_INPUT_LENGTH` is refused before any work.

Which postcodes are valid for a claim (`Postcode.claimable`): Universal Credit, New Style JSA and
New Style ESA are paid by DWP to people who live in Great Britain. So a claim needs a geographic
postcode in England, Scotland or Wales. Northern Ireland's BT postcodes are real UK postcodes, but
Northern Ireland's benefits are run by its Department for Communities; the Channel Islands (GY, JE)
and the Isle of Man (IM) run their own social security; the overseas territories and Gibraltar are
outside the UK; a BFPO number is a mail route to serving forces, not where someone lives; GIR 0AA
and the BX codes are non-geographic codes of large businesses, where nobody lives. All of those
parse (a person may give one as a correspondence address) but are not `claimable`, and the reason
says where to go instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

MAX_INPUT_LENGTH = 32
"""Longer input is not a postcode, however many spaces it was padded with."""

Kind = Literal[
    "great-britain",
    "northern-ireland",
    "crown-dependency",
    "non-geographic",
    "forces",
    "overseas-territory",
    "gibraltar",
]


class InvalidPostcode(ValueError):
    """Not a postcode (or a UPRN); the message is for the person who typed it."""


_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"  # AA9A
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_STANDARD = re.compile(rf"({_OUTWARD})({_INWARD})", re.ASCII)
_BFPO = re.compile(r"BFPO([0-9]{1,4})", re.ASCII)

OVERSEAS_TERRITORIES = {
    "ASCN 1ZZ": "Ascension Island",
    "STHL 1ZZ": "St Helena",
    "TDCU 1ZZ": "Tristan da Cunha",
    "BBND 1ZZ": "British Indian Ocean Territory",
    "BIQQ 1ZZ": "British Antarctic Territory",
    "FIQQ 1ZZ": "Falkland Islands",
    "PCRN 1ZZ": "Pitcairn Islands",
    "SIQQ 1ZZ": "South Georgia and the South Sandwich Islands",
    "TKCA 1ZZ": "Turks and Caicos Islands",
}
GIBRALTAR = "GX11 1AA"
GIROBANK = "GIR 0AA"
_CROWN_DEPENDENCIES = {"GY": "Guernsey", "JE": "Jersey", "IM": "the Isle of Man"}

_NOT_CLAIMABLE: dict[Kind, str] = {
    "northern-ireland": "Benefits in Northern Ireland are run by its Department for Communities (nidirect)",
    "crown-dependency": "The Channel Islands and the Isle of Man run their own social security",
    "non-geographic": "This postcode belongs to an organisation, not to a home",
    "forces": "A BFPO number is a forces mail address, not where you live",
    "overseas-territory": "This postcode is in a British overseas territory, outside the UK",
    "gibraltar": "Gibraltar is outside the UK",
}


@dataclass(frozen=True)
class Postcode:
    """A postcode in Royal Mail's spelling (`SW1A 1AA`, `BFPO 1234`) and what kind of place it is."""

    value: str
    kind: Kind

    @property
    def claimable(self) -> bool:
        return self.kind == "great-britain"

    @property
    def not_claimable_reason(self) -> str | None:
        return _NOT_CLAIMABLE.get(self.kind)

    @property
    def outward(self) -> str:
        return self.value.split(" ")[0]

    def __str__(self) -> str:
        return self.value


def fold_ascii(raw: str, *, what: str, max_length: int = MAX_INPUT_LENGTH) -> str:
    """`raw` without whitespace, with every script's digits as ASCII digits and ASCII letters upper-cased;
    refused unless what is left is ASCII letters and digits."""
    if len(raw) > max_length:
        raise InvalidPostcode(f"{what} is too long")
    out = []
    for ch in raw:
        if ch.isspace():
            continue
        if not ch.isascii() and unicodedata.category(ch) == "Nd":
            ch = str(unicodedata.digit(ch))
        if not (ch.isascii() and ch.isalnum()):
            raise InvalidPostcode(f"{what} can only use the letters A to Z and the numbers 0 to 9")
        out.append(ch.upper())
    if not out:
        raise InvalidPostcode(f"Enter {what.lower()}")
    return "".join(out)


def parse_postcode(raw: str) -> Postcode:
    """The postcode `raw` spells, in any case and spacing; `InvalidPostcode` when it is none."""
    compact = fold_ascii(raw, what="A postcode")
    if compact == GIROBANK.replace(" ", ""):
        return Postcode(GIROBANK, "non-geographic")
    if (bfpo := _BFPO.fullmatch(compact)) is not None:
        return Postcode(f"BFPO {int(bfpo.group(1))}", "forces")
    spaced = f"{compact[:-3]} {compact[-3:]}"
    if spaced in OVERSEAS_TERRITORIES:
        return Postcode(spaced, "overseas-territory")
    if spaced == GIBRALTAR:
        return Postcode(spaced, "gibraltar")
    match = _STANDARD.fullmatch(compact)
    if match is None:
        raise InvalidPostcode("Enter a real postcode, like SW1A 1AA")
    outward = match.group(1)
    area = outward[:2] if outward[1].isalpha() else outward[:1]
    return Postcode(f"{outward} {match.group(2)}", _kind_of_area(area))


def _kind_of_area(area: str) -> Kind:
    if area == "BT":
        return "northern-ireland"
    if area in _CROWN_DEPENDENCIES:
        return "crown-dependency"
    if area == "BF":  # BF1: the postcodes behind BFPO numbers
        return "forces"
    if area == "BX":  # non-geographic codes of large organisations (banks, HMRC)
        return "non-geographic"
    return "great-britain"


def normalise_postcode(raw: str) -> str:
    """`raw` as Royal Mail writes it (`sw1a1aa` -> `SW1A 1AA`)."""
    return parse_postcode(raw).value


def uprn(raw: str) -> str:
    """A Unique Property Reference Number: 1 to 12 digits (any script's, folded), without leading zeros."""
    compact = fold_ascii(raw, what="A UPRN")
    if not compact.isdigit() or len(compact) > 12 or int(compact) == 0:
        raise InvalidPostcode("A UPRN is a number of up to 12 digits")
    return str(int(compact))


PostcodeStr = Annotated[
    str,
    Field(min_length=1, max_length=MAX_INPUT_LENGTH, json_schema_extra={"format": "uk-postcode"}),
    AfterValidator(normalise_postcode),
]
"""A postcode field: folded, checked, then in Royal Mail's spelling."""

UprnStr = Annotated[str, Field(min_length=1, max_length=MAX_INPUT_LENGTH), AfterValidator(uprn)]
"""A UPRN field: folded and checked, then plain ASCII digits."""
