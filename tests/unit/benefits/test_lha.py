"""LHA rates by Broad Rental Market Area and the BRMA of a postcode (issue 13: LHA from a postcode).

Worked by hand from rates/lha (the DWP's UC monthly LHA tables): a single renter, 1 to 30 June 2025, in
LS6 (Leeds BRMA), aged 40, private rent £900.00 a month, one bedroom needed, no income. Leeds one-bedroom
rate £675.00 (67,500p); the housing element is the lower of rent and LHA: £675.00. Award = standard
allowance £400.14 + housing £675.00 = £1,075.14 (the 2025-26 single 25+ standard allowance).
"""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources

import pytest

from dwp.benefits.domain import (
    Adult,
    Household,
    Housing,
    InvalidCircumstances,
    Tenure,
    calculate_uc,
    lha,
    one_month_later,
)
from dwp.contracts.postcodes import InvalidPostcode, parse_postcode


def test_every_brma_has_every_category_for_each_year() -> None:
    assert lha.tax_years() == ("2025-26", "2026-27")
    known = lha.brmas()
    assert len(known) == 192
    nations = [b.nation for b in known.values()]
    assert (nations.count("england"), nations.count("scotland"), nations.count("wales")) == (152, 18, 22)
    for year in lha.tax_years():
        table = lha.rates_table(year)
        assert set(table) == set(known), year
        for rates in table.values():
            shared, *rooms = rates.as_tuple()
            # Every category is a real monthly figure; a bigger home never has a lower rate.
            assert 10_000 <= shared <= 200_000, rates
            assert all(10_000 <= r <= 500_000 for r in rooms), rates
            assert rooms == sorted(rooms), rates


def test_rates_frozen_at_april_2024_in_both_years() -> None:
    # SI 2025/5 and SI 2026/5 freeze the April 2024 determinations: the two years are the same figures.
    assert lha.rates_table("2025-26")["leeds"].as_tuple() == lha.rates_table("2026-27")["leeds"].as_tuple()
    assert lha.rates_table("2025-26")["leeds"].as_tuple() == (34762, 67500, 77500, 85000, 120000)
    assert lha.rates_table("2026-27")["central-london"].four == 306000


def test_district_table_names_only_real_brmas() -> None:
    text = (resources.files("dwp.benefits") / "rates" / "lha" / "districts.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows
    for row in rows:
        assert parse_postcode(f"{row['district']} 1AA").outward == row["district"]
        assert all(code in lha.brmas() for code in row["brmas"].split(";")), row


def test_a_district_in_one_brma_answers_at_once() -> None:
    area = lha.area_of(parse_postcode("ls6 1aa"))
    assert area == lha.Found(lha.brmas()["leeds"])
    assert lha.resolve("LS6 1AA", None, "2025-26").one == 67500
    assert lha.resolve("EH6 4AA", None, "2026-27").brma.name == "Lothian"
    assert lha.resolve("CF24 3AA", None, "2026-27").brma.nation == "wales"


def test_a_district_in_several_asks_by_name() -> None:
    area = lha.area_of(parse_postcode("SW9 8AB"))
    assert isinstance(area, lha.Choose)
    assert area.known_district
    assert [b.name for b in area.choices] == ["Inner South West London", "Inner South East London"]
    with pytest.raises(lha.ChooseArea) as e:
        lha.resolve("SW9 8AB", None, "2025-26")
    assert e.value.field == "housing.brma"
    assert [b.code for b in e.value.choices] == ["inner-south-west-london", "inner-south-east-london"]
    chosen = lha.resolve("SW9 8AB", "inner-south-east-london", "2025-26")
    assert chosen.brma.name == "Inner South East London"
    assert chosen.one == 129550


def test_a_choice_outside_the_district_is_refused_with_the_choices() -> None:
    with pytest.raises(lha.ChooseArea) as e:
        lha.resolve("SW9 8AB", "leeds", "2025-26")
    assert e.value.field == "housing.brma"
    assert len(e.value.choices) == 2
    # A district in one BRMA refuses a different one rather than silently using it.
    with pytest.raises(InvalidCircumstances) as e2:
        lha.resolve("LS6 1AA", "sheffield", "2025-26")
    assert e2.value.field == "housing.brma"


def test_a_district_in_one_local_authority_in_one_brma_answers_at_once() -> None:
    # ZE1 (Lerwick) is not in districts.csv; its postcodes all lie in Shetland Islands
    # (district-authorities.csv), which lies wholly in Highland and Islands (authorities.csv).
    assert lha.district_authorities()["ZE1"] == ("S12000027",)
    assert lha.authorities()["S12000027"].brmas == ("highland-and-islands",)
    area = lha.area_of(parse_postcode("ZE1 0AA"))
    assert area == lha.Found(lha.brmas()["highland-and-islands"])
    assert lha.resolve("ZE1 0AA", None, "2025-26").brma.nation == "scotland"


def test_a_district_known_only_by_its_local_authority_offers_that_authoritys_brmas() -> None:
    # TR1 (Truro) lies wholly in Cornwall, which spans three BRMAs: those three are offered, by name,
    # not the 152 of England.
    area = lha.area_of(parse_postcode("TR1 1AA"))
    assert isinstance(area, lha.Choose)
    assert area.basis == "authority"
    assert area.authorities == ("Cornwall",)
    assert [b.name for b in area.choices] == ["Kernow West", "North Cornwall & Devon Borders", "Plymouth"]
    assert lha.resolve("TR1 1AA", "kernow-west", "2025-26").brma.name == "Kernow West"
    with pytest.raises(lha.ChooseArea) as e:
        lha.resolve("TR1 1AA", "leeds", "2025-26")
    assert e.value.field == "housing.brma"
    assert len(e.value.choices) == 3


def test_a_district_across_local_authorities_offers_the_brmas_of_each() -> None:
    # DN5 has postcodes in Doncaster (Doncaster BRMA) and Barnsley (Barnsley BRMA).
    area = lha.area_of(parse_postcode("DN5 1AA"))
    assert isinstance(area, lha.Choose)
    assert area.authorities == ("Doncaster", "Barnsley")
    assert [b.code for b in area.choices] == ["doncaster", "barnsley"]


def test_a_district_in_neither_table_offers_its_nations_brmas() -> None:
    scots = lha.area_of(parse_postcode("ZE9 1AA"))
    assert isinstance(scots, lha.Choose)
    assert not scots.known_district
    assert scots.basis == "nation"
    assert {b.nation for b in scots.choices} == {"scotland"}
    assert len(scots.choices) == 18
    welsh = lha.area_of(parse_postcode("LD9 1AA"))
    assert isinstance(welsh, lha.Choose)
    assert len(welsh.choices) == 22


def test_the_authority_tables_name_only_real_brmas_and_authorities() -> None:
    table = lha.authorities()
    assert len(table) == 350  # 296 England, 32 Scotland, 22 Wales
    assert all(la in table for las in lha.district_authorities().values() for la in las)
    for la in table.values():
        assert la.brmas
        assert {lha.brmas()[c].nation for c in la.brmas} == {la.nation}, la


def test_coverage_how_many_districts_answer_at_once() -> None:
    """The count this table ships (docs/benefits.md, Coverage): a regression in the data fails here."""
    found = asked = choices = 0
    for district in lha.district_authorities():
        try:
            postcode = parse_postcode(f"{district} 1AA")
        except InvalidPostcode:
            continue  # retired West End districts (W1M...) and NPT, which no longer parse
        area = lha.area_of(postcode)
        if isinstance(area, lha.Found):
            found += 1
        else:
            assert isinstance(area, lha.Choose), district
            assert area.basis in {"district", "authority"}, district
            asked += 1
            choices += len(area.choices)
    assert len(lha.district_authorities()) == 2997
    assert (found, asked) == (821, 2169)
    assert round(choices / asked, 1) == 9.4


@pytest.mark.parametrize(
    ("postcode", "says"),
    [
        ("BT1 1AA", "Department for Communities"),
        ("JE2 3AA", "Channel Islands"),
        ("IM1 1AA", "Isle of Man"),
        ("BFPO 1234", "forces"),
        ("GIR 0AA", "organisation"),
    ],
)
def test_outside_great_britain_answers_where_to_claim(postcode: str, says: str) -> None:
    area = lha.area_of(parse_postcode(postcode))
    assert isinstance(area, lha.ClaimElsewhere)
    assert says in area.reason
    with pytest.raises(lha.NotInGreatBritain) as e:
        lha.resolve(postcode, None, "2025-26")
    assert e.value.field == "housing.postcode"
    assert says in e.value.message


@pytest.mark.parametrize("raw", ["", "LS6", "QQ1 1AA", "LS6 1AAA", "LS6\u200b1AA", "Л6 1AA", "x" * 40])
def test_a_bad_postcode_names_the_field(raw: str) -> None:
    with pytest.raises(InvalidCircumstances) as e:
        lha.resolve(raw, None, "2025-26")
    assert e.value.field == "housing.postcode"


def test_a_year_without_lha_rates_is_refused() -> None:
    with pytest.raises(InvalidCircumstances) as e:
        lha.resolve("LS6 1AA", None, "2024-25")
    assert e.value.field == "housing.postcode"


def test_the_worked_example_pays_the_leeds_one_bedroom_rate() -> None:
    start = date(2025, 6, 1)
    rates = lha.resolve("LS6 1AA", None, "2025-26")
    h = Household(
        period_start=start,
        period_end=one_month_later(start),
        couple=False,
        adults=(Adult(date_of_birth=date(1985, 1, 1)),),
        housing=Housing(Tenure.PRIVATE, monthly_rent=90000, bedrooms=1, lha_rates=rates.as_tuple()),
    )
    result = calculate_uc(h)
    assert result.amounts["eligible_rent"] == result.amounts["housing_element"] == 67500
    assert result.award == 40014 + 67500 == 107514
