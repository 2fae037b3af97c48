"""Addresses: their parts (BS 7666 / PAF), the checks on an address typed by hand, and its printed lines.

Pure Python: no HTTP, no provider shapes (those are in `places.py`).

Printed lines follow Royal Mail's "Programmers' Guide" (PAF), section "Formatting an address": the
organisation and department come first, each on its own line; then the premise by the guide's seven
rules on which of sub-building name, building name and building number are present; the building
number (or a building name that is really a number) goes on the same line as the first thoroughfare
(dependent thoroughfare before thoroughfare), or on the first locality line when there is no
thoroughfare; then double dependent and dependent locality; the POST TOWN in capitals; the postcode
last. A name "is really a number" by the guide's exception rule: its first and last characters are
digits (`110-114`, `1to1`), or its first and penultimate are digits and its last a letter (`12A`),
or it is one character (`A`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from dwp.contracts.postcodes import InvalidPostcode, Postcode, parse_postcode, uprn


class AddressError(Exception):
    """Base of the address service's domain errors."""


class InvalidAddress(AddressError):
    """An address part breaks a rule; `field` names the part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidLookup(AddressError):
    """A postcode or UPRN to look up is not one; `field` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AddressNotFound(AddressError):
    """No delivery point has this UPRN."""


# PAF's field lengths (Programmers' Guide, "Address elements"): the longest value each part holds.
MAX_LENGTHS = {
    "organisation_name": 60,
    "department_name": 60,
    "sub_building_name": 30,
    "building_name": 50,
    "building_number": 4,
    "dependent_street_name": 80,
    "street_name": 80,
    "double_dependent_address_locality": 35,
    "dependent_address_locality": 35,
    "address_locality": 30,
}

_REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Cs": "a lone surrogate",
    "Co": "a private-use character",
    "Cn": "an unassigned character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
# What PAF itself holds beside letters, digits and spaces (`ST. JOHN'S`, `110-114`, `FLAT 1/2`, `(SMITH)`).
_PUNCTUATION = frozenset("'-.,/&()")


def free_text(raw: str, field: str) -> str:
    """`raw` in NFC with inner runs of spaces made one and its ends trimmed; refused if it holds a
    control, bidi, zero-width or other invisible character, or punctuation an address never has."""
    text = unicodedata.normalize("NFC", raw)
    for ch in text:
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(ch))
        if kind:
            raise InvalidAddress(field, f"must not contain {kind} (U+{ord(ch):04X})")
        if not (ch.isalnum() or ch == " " or ch in _PUNCTUATION or unicodedata.category(ch) == "Mn"):
            raise InvalidAddress(field, f"must not contain {ch!r}")
    return " ".join(text.split())


@dataclass(frozen=True)
class AddressParts:
    """One delivery point's parts, named as in the One Login address claim (PAF's parts)."""

    postal_code: str
    address_locality: str | None = None  # post town
    uprn: str | None = None
    organisation_name: str | None = None
    department_name: str | None = None
    sub_building_name: str | None = None
    building_name: str | None = None
    building_number: str | None = None
    dependent_street_name: str | None = None
    street_name: str | None = None
    double_dependent_address_locality: str | None = None
    dependent_address_locality: str | None = None
    po_box_number: str | None = None


def looks_like_a_number(name: str) -> bool:
    """PAF's exception rule: a building or sub-building name that prints like a number."""
    name = name.strip()
    if len(name) == 1:
        return True
    if len(name) >= 2 and name[0].isdigit() and name[-1].isdigit():
        return True
    return len(name) >= 2 and name[0].isdigit() and name[-2].isdigit() and name[-1].isalpha()


def printed_lines(parts: AddressParts) -> list[str]:
    """The address as Royal Mail prints it, one line per list item, POST TOWN and postcode last."""
    lines: list[str] = [p for p in (parts.organisation_name, parts.department_name) if p]
    if parts.po_box_number:
        lines.append(f"PO BOX {parts.po_box_number}")
    premise_lines, on_first_line = _premise(parts)
    lines += premise_lines
    rest = [
        p
        for p in (
            parts.dependent_street_name,
            parts.street_name,
            parts.double_dependent_address_locality,
            parts.dependent_address_locality,
        )
        if p
    ]
    if on_first_line:
        if rest:
            rest[0] = f"{on_first_line} {rest[0]}"
        else:
            rest = [on_first_line]
    lines += rest
    if parts.address_locality:
        lines.append(parts.address_locality.upper())
    lines.append(parts.postal_code)
    return lines


def _premise(parts: AddressParts) -> tuple[list[str], str | None]:
    """(lines of their own, what goes before the first thoroughfare or locality), by PAF rules 1 to 7."""
    sub, name, number = parts.sub_building_name, parts.building_name, parts.building_number
    if not sub and not name:  # rules 1 and 2
        return [], number
    if not sub and name and not number:  # rule 3
        return ([], name) if looks_like_a_number(name) else ([name], None)
    if not sub and name and number:  # rule 4
        return [name], number
    if sub and not name and number:  # rule 5: `12A`, or FLAT 1 above 12 LIME TREE AVENUE
        return ([], f"{number}{sub}") if len(sub) == 1 else ([sub], number)
    if sub and name and not number:  # rule 6
        if looks_like_a_number(sub):
            return [f"{sub} {name}"], None
        if looks_like_a_number(name):
            return [sub], name
        return [sub, name], None
    if sub and name and number:  # rule 7
        if looks_like_a_number(sub):
            return [f"{sub} {name}"], number
        return [sub, name], number
    return ([sub] if sub else []), None  # a sub-building alone: PAF has none, but typed by hand


# --- an address typed by hand ------------------------------------------------------------------

_NUMBER = re.compile(r"[0-9]{1,4}", re.ASCII)


def check_typed(parts: AddressParts) -> tuple[AddressParts, Postcode]:
    """An address typed by hand, as it would be kept: each part free text of PAF's length, the
    building number 1 to 4 ASCII digits, a postcode Royal Mail would recognise, a post town, and
    something that says which building (a number or a name: BS 7666's primary addressable object)
    on a street or in a locality (its street or locality).
    """
    values: dict[str, str | None] = {}
    for field, limit in MAX_LENGTHS.items():
        raw = getattr(parts, field)
        if raw is None:
            values[field] = None
            continue
        text = free_text(raw, field)
        if len(text) > limit:
            raise InvalidAddress(field, f"must be {limit} characters or fewer")
        values[field] = text or None
    number = values["building_number"]
    if number is not None:
        folded = "".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c for c in number)
        if not _NUMBER.fullmatch(folded) or int(folded) == 0:
            raise InvalidAddress("building_number", "must be a number from 1 to 9999")
        values["building_number"] = str(int(folded))
    if not (values["building_number"] or values["building_name"] or values["organisation_name"]):
        raise InvalidAddress("building_name", "Enter a building number or name")
    if not (values["street_name"] or values["dependent_address_locality"]):
        raise InvalidAddress("street_name", "Enter a street or a village")
    if not values["address_locality"]:
        raise InvalidAddress("address_locality", "Enter a town or city")
    try:
        postcode = parse_postcode(parts.postal_code)
    except InvalidPostcode as exc:
        raise InvalidAddress("postal_code", str(exc)) from None
    reference = None
    if parts.uprn is not None:
        try:
            reference = uprn(parts.uprn)
        except InvalidPostcode as exc:
            raise InvalidAddress("uprn", str(exc)) from None
    checked = replace(parts, **values, postal_code=postcode.value, uprn=reference)
    locality = checked.address_locality
    return replace(checked, address_locality=locality.upper() if locality else None), postcode
