"""An address typed by hand: BS 7666's parts, the ones required, PAF's lengths, free-text rules."""

from __future__ import annotations

import pytest

from dwp.address.domain import AddressParts, InvalidAddress, check_typed


def typed(**parts: str | None) -> AddressParts:
    values: dict[str, str | None] = {
        "building_number": "12",
        "street_name": "Lime Tree Avenue",
        "address_locality": "Bristol",
        "postal_code": "bs84ab",
    }
    values.update(parts)
    return AddressParts(**values)  # type: ignore[arg-type]


def test_a_typed_address_is_kept_normalised() -> None:
    checked, postcode = check_typed(
        typed(street_name="  Lime   Tree Avenue ", building_number="\u0661\u0662")
    )
    assert checked.postal_code == "BS8 4AB"
    assert checked.address_locality == "BRISTOL"
    assert checked.street_name == "Lime Tree Avenue"
    assert checked.building_number == "12"
    assert postcode.claimable


def test_welsh_and_accented_names_are_kept() -> None:
    checked, _ = check_typed(
        typed(street_name="Heol y Frenhines", building_name="Tŷ Gwyn", address_locality="Caerdydd")
    )
    assert checked.building_name == "Tŷ Gwyn"
    assert checked.address_locality == "CAERDYDD"


def test_combining_characters_are_composed() -> None:
    checked, _ = check_typed(typed(building_name="Ty\u0302 Gwyn"))
    assert checked.building_name == "T\u0177 Gwyn"


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"building_number": None, "building_name": None}, "building_name"),
        ({"street_name": None}, "street_name"),
        ({"address_locality": None}, "address_locality"),
        ({"address_locality": "   "}, "address_locality"),
        ({"postal_code": "not a postcode"}, "postal_code"),
        ({"building_number": "12a"}, "building_number"),
        ({"building_number": "0"}, "building_number"),
        ({"building_number": "12345"}, "building_number"),
        ({"street_name": "x" * 81}, "street_name"),
        ({"address_locality": "x" * 31}, "address_locality"),
        ({"sub_building_name": "x" * 31}, "sub_building_name"),
        ({"street_name": "Lime\x00Tree"}, "street_name"),
        ({"street_name": "Lime\u202eTree"}, "street_name"),  # bidi override
        ({"street_name": "Lime\u2066Tree"}, "street_name"),  # bidi isolate
        ({"street_name": "Lime\u200bTree"}, "street_name"),  # zero-width space
        ({"street_name": "Lime\u200dTree"}, "street_name"),  # zero-width joiner
        ({"street_name": "Lime\ufeffTree"}, "street_name"),  # byte order mark
        ({"street_name": "Lime\nTree"}, "street_name"),
        ({"street_name": "Lime\u2028Tree"}, "street_name"),  # line separator
        ({"street_name": "<script>"}, "street_name"),
        ({"building_name": "\ue000"}, "building_name"),  # private use
        ({"uprn": "12x"}, "uprn"),
    ],
)
def test_refused(parts: dict[str, str | None], field: str) -> None:
    with pytest.raises(InvalidAddress) as caught:
        check_typed(typed(**parts))
    assert caught.value.field == field


def test_a_village_with_no_street_is_an_address() -> None:
    checked, _ = check_typed(typed(street_name=None, building_number=None, building_name="Rose Cottage",
                                   dependent_address_locality="Appleford"))  # fmt: skip
    assert checked.dependent_address_locality == "Appleford"


def test_a_northern_ireland_address_is_valid_but_not_for_a_claim() -> None:
    _, postcode = check_typed(typed(postal_code="BT7 1NN", address_locality="Belfast"))
    assert not postcode.claimable
