"""Printed lines by Royal Mail's PAF rules, with the examples of Royal Mail's Programmers' Guide."""

from __future__ import annotations

import pytest

from dwp.address.domain import AddressParts, looks_like_a_number, printed_lines

# (description, parts, lines): the Programmers' Guide's fictional examples, rule by rule.
EXAMPLES = [
    (
        "rule 1: organisation only",
        AddressParts(organisation_name="LEDA ENGINEERING LTD", dependent_address_locality="APPLEFORD",
                     address_locality="ABINGDON", postal_code="OX14 4PG"),
        ["LEDA ENGINEERING LTD", "APPLEFORD", "ABINGDON", "OX14 4PG"],
    ),
    (
        "rule 1: organisation and department",
        AddressParts(organisation_name="LEDA ENGINEERING LTD", department_name="ENGINEERING DEPARTMENT",
                     dependent_address_locality="APPLEFORD", address_locality="ABINGDON",
                     postal_code="OX14 4PG"),
        ["LEDA ENGINEERING LTD", "ENGINEERING DEPARTMENT", "APPLEFORD", "ABINGDON", "OX14 4PG"],
    ),
    (
        "rule 2: building number only",
        AddressParts(building_number="1", street_name="ACACIA AVENUE", address_locality="ABINGDON",
                     postal_code="OX14 4PG"),
        ["1 ACACIA AVENUE", "ABINGDON", "OX14 4PG"],
    ),
    (
        "rule 2: number with no thoroughfare goes on the first locality line",
        AddressParts(building_number="1", double_dependent_address_locality="DEP LOCALITY NAME",
                     dependent_address_locality="LOCALITY NAME", address_locality="ABINGDON",
                     postal_code="OX14 4PG"),
        ["1 DEP LOCALITY NAME", "LOCALITY NAME", "ABINGDON", "OX14 4PG"],
    ),
    (
        "rule 3: building name only",
        AddressParts(building_name="THE MANOR", street_name="UPPER HILL", address_locality="HORLEY",
                     postal_code="RH6 0HP"),
        ["THE MANOR", "UPPER HILL", "HORLEY", "RH6 0HP"],
    ),
    (
        "rule 3: a building name that is a number joins the first thoroughfare",
        AddressParts(building_name="1A", dependent_street_name="SEASTONE COURT", street_name="STATION ROAD",
                     address_locality="HOLT", postal_code="NR25 7HG"),
        ["1A SEASTONE COURT", "STATION ROAD", "HOLT", "NR25 7HG"],
    ),
    (
        "rule 3: organisation and a unit that is not a number",
        AddressParts(organisation_name="IMPERIAL CANDLES", building_name="UNIT 3-4",
                     dependent_street_name="DALEHOUSE LANE INDUSTRIAL ESTATE", street_name="COTTON DRIVE",
                     address_locality="KENILWORTH", postal_code="CV8 2UE"),
        ["IMPERIAL CANDLES", "UNIT 3-4", "DALEHOUSE LANE INDUSTRIAL ESTATE", "COTTON DRIVE", "KENILWORTH",
         "CV8 2UE"],
    ),
    (
        "rule 4: building name and number",
        AddressParts(building_name="VICTORIA HOUSE", building_number="15", street_name="THE STREET",
                     address_locality="CHRISTCHURCH", postal_code="BH23 6AA"),
        ["VICTORIA HOUSE", "15 THE STREET", "CHRISTCHURCH", "BH23 6AA"],
    ),
    (
        "rule 5: sub-building name and number",
        AddressParts(sub_building_name="FLAT 1", building_number="12", street_name="LIME TREE AVENUE",
                     address_locality="BRISTOL", postal_code="BS8 4AB"),
        ["FLAT 1", "12 LIME TREE AVENUE", "BRISTOL", "BS8 4AB"],
    ),
    (
        "rule 5: a one-letter sub-building joins the number",
        AddressParts(sub_building_name="A", building_number="12", street_name="HIGH STREET NORTH",
                     dependent_address_locality="COOMBE BISSETT", address_locality="SALISBURY",
                     postal_code="SP5 4NA"),
        ["12A HIGH STREET NORTH", "COOMBE BISSETT", "SALISBURY", "SP5 4NA"],
    ),
    (
        "rule 6: sub-building that is a number joins the building name",
        AddressParts(sub_building_name="10B", building_name="BARRY JACKSON TOWER", street_name="ESTONE WALK",
                     address_locality="BIRMINGHAM", postal_code="B6 5BA"),
        ["10B BARRY JACKSON TOWER", "ESTONE WALK", "BIRMINGHAM", "B6 5BA"],
    ),
    (
        "rule 6: a building name that is a range joins the thoroughfare",
        AddressParts(sub_building_name="CARETAKERS FLAT", building_name="110-114",
                     street_name="HIGH STREET WEST", address_locality="BRISTOL", postal_code="BS1 2AW"),
        ["CARETAKERS FLAT", "110-114 HIGH STREET WEST", "BRISTOL", "BS1 2AW"],
    ),
    (
        "rule 6: sub-building and building name, each its own line",
        AddressParts(sub_building_name="STABLES FLAT", building_name="THE MANOR", street_name="UPPER HILL",
                     address_locality="HORLEY", postal_code="RH6 0HP"),
        ["STABLES FLAT", "THE MANOR", "UPPER HILL", "HORLEY", "RH6 0HP"],
    ),
    (
        "rule 7: sub-building, building name and number",
        AddressParts(sub_building_name="FLAT 20", building_name="VICTORIA HOUSE", building_number="15",
                     street_name="THE STREET", address_locality="CHRISTCHURCH", postal_code="BH23 6AA"),
        ["FLAT 20", "VICTORIA HOUSE", "15 THE STREET", "CHRISTCHURCH", "BH23 6AA"],
    ),
    (
        "rule 7: a sub-building that is a number joins the building name",
        AddressParts(sub_building_name="2B", building_name="THE TOWER", building_number="27",
                     street_name="JOHN STREET", address_locality="WINCHESTER", postal_code="SO23 9AP"),
        ["2B THE TOWER", "27 JOHN STREET", "WINCHESTER", "SO23 9AP"],
    ),
    (
        "PO box",
        AddressParts(po_box_number="61", address_locality="FAREHAM", postal_code="PO14 1UX"),
        ["PO BOX 61", "FAREHAM", "PO14 1UX"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parts", "lines"), [(p, lines) for _, p, lines in EXAMPLES], ids=[d for d, _, _ in EXAMPLES]
)
def test_royal_mail_examples(parts: AddressParts, lines: list[str]) -> None:
    assert printed_lines(parts) == lines


def test_post_town_is_upper_case_and_postcode_last() -> None:
    parts = AddressParts(
        building_number="7", street_name="High Street", address_locality="Leeds", postal_code="LS1 1AA"
    )
    assert printed_lines(parts) == ["7 High Street", "LEEDS", "LS1 1AA"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("1to1", True), ("100:1", True), ("12A", True), ("A", True), ("110-114", True),
     ("UNIT 3-4", False), ("THE MANOR", False), ("FLAT 1", False), ("10 SELLON COURT", False)],
)  # fmt: skip
def test_the_exception_rule(name: str, expected: bool) -> None:
    assert looks_like_a_number(name) is expected
