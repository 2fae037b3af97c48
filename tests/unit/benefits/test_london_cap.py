"""The benefit cap's Greater London amounts from the home's area (UC Regs 2013 reg 80A(2), as
substituted by SI 2016/909: "resident in Greater London"), worked by hand.

2025/26: standard allowance single 25 or over £400.14; cap for a single person without children
£1,413.92 in Greater London, £1,229.42 elsewhere; no other capped benefits. Period 1 to 30 June 2025.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from dwp.benefits.domain import calculate_uc, lha
from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.schemas import UCCircumstances
from dwp.contracts.postcodes import InvalidPostcode, parse_postcode


def household(housing: dict[str, Any], **kw: Any) -> UCCircumstances:
    return UCCircumstances.model_validate(
        {
            "assessment_period_start": "2025-06-01",
            "adults": [{"date_of_birth": "1985-01-01"}],
            "housing": {"bedrooms": 1, **housing},
            **kw,
        }
    )


def test_a_london_postal_district_applies_the_london_cap_without_asking() -> None:
    """Private rent £900.00 in SW9, Inner South East London chosen (one-bedroom LHA £1,295.50): the rent
    is under the rate, 400.14 + 900.00 = £1,300.14. SW is a London postal area, so the London cap of
    £1,413.92 applies and nothing is taken off, though `london` was not ticked (outside London the
    £1,229.42 cap would take £70.72)."""
    h = household(
        {"tenure": "private", "monthly_rent": 90000, "postcode": "SW9 8AB", "brma": "inner-south-east-london"}
    ).to_domain()
    assert h.london
    r = calculate_uc(h)
    assert (r.amounts["cap_level"], r.amounts["cap_reduction"], r.award) == (141392, 0, 130014)


def test_an_area_that_may_straddle_the_boundary_keeps_the_question() -> None:
    """Private rent £900.00 in DA1 (Dartford, Kent, and Bexley, a London borough), Outer South East
    London chosen (one-bedroom LHA £1,050.00; the BRMA reaches the Greater London boundary, DA is an
    outer post town): not known, so the answer given stands.
    Not ticked: 400.14 + 900.00 = 1,300.14 less the excess over £1,229.42 (£70.72) = £1,229.42.
    Ticked: the London cap, £1,300.14."""
    housing = {
        "tenure": "private",
        "monthly_rent": 90000,
        "postcode": "DA1 1AA",
        "brma": "outer-south-east-london",
    }
    r = calculate_uc(household(housing).to_domain())
    assert (r.amounts["cap_level"], r.amounts["cap_reduction"], r.award) == (122942, 7072, 122942)
    r = calculate_uc(household(housing, london=True).to_domain())
    assert (r.amounts["cap_level"], r.award) == (141392, 130014)


def test_an_outer_district_wholly_in_london_boroughs_applies_the_london_cap_without_asking() -> None:
    """Private rent £900.00 in CR0 (Outer South London, one-bedroom LHA £950.00; CR is an outer post
    town, Croydon): every CR0 postcode is in Croydon, Sutton or Bromley (E09000008, E09000029,
    E09000006), so the home is in Greater London though `london` was not ticked: the London cap of
    £1,413.92 takes nothing, 400.14 + 900.00 = £1,300.14."""
    housing = {"tenure": "private", "monthly_rent": 90000, "postcode": "CR0 1AA"}
    assert lha.district_authorities()["CR0"] == ("E09000008", "E09000029", "E09000006")
    r = calculate_uc(household(housing).to_domain())
    assert (r.amounts["cap_level"], r.amounts["cap_reduction"], r.award) == (141392, 0, 130014)


def test_a_social_renters_postcode_answers_london_without_asking_for_an_area() -> None:
    """Social rent £1,500.00 in N1 (a district in two BRMAs: a social rent needs no LHA, so no area is
    asked for). N is a London postal area: the London cap, 400.14 + 1,500.00 = 1,900.14 less the
    excess over £1,413.92 (£486.22) = £1,413.92."""
    h = household({"tenure": "social", "monthly_rent": 150000, "postcode": "N1 9GU"}).to_domain()
    r = calculate_uc(h)
    assert (r.amounts["cap_reduction"], r.award) == (48622, 141392)


def test_an_inner_london_brma_is_london_and_an_outer_straddling_one_is_not_known() -> None:
    assert lha.in_greater_london("SW1A 1AA", None)  # Central London; SW
    assert lha.in_greater_london("E1 6AN", None)  # Inner East London; E
    assert lha.in_greater_london("CR0 1AA", None)  # Outer South London; CR, but all in London boroughs
    assert not lha.in_greater_london("DA1 1AA", "outer-south-east-london")  # Dartford and Bexley
    assert not lha.in_greater_london("WD6 1AA", "outer-north-london")  # Hertsmere and Barnet
    assert not lha.in_greater_london("LS6 1AA", None)  # Leeds
    # IG10 (Loughton, Essex) is not in the district table: choosing Outer North East London, which
    # takes in Chigwell and Loughton, does not make it London.
    assert not lha.in_greater_london("IG10 1AA", "outer-north-east-london")
    assert lha.in_greater_london("IG10 1AA", "inner-east-london")  # a BRMA wholly within, if chosen


@pytest.mark.parametrize(
    ("raw", "field"), [("not a postcode", "housing.postcode"), ("BT1 1AA", "housing.postcode")]
)
def test_a_bad_or_northern_irish_postcode_is_refused_for_any_tenure(raw: str, field: str) -> None:
    with pytest.raises(InvalidCircumstances) as caught:
        household({"tenure": "social", "monthly_rent": 50000, "postcode": raw}).to_domain()
    assert caught.value.field == field


def test_the_data_names_every_london_brma_with_a_source() -> None:
    path = resources.files("dwp.benefits") / "rates" / "lha" / "greater-london.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    named_london = {code for code in lha.brmas() if code.endswith("-london")}
    assert set(data["brma"]) == named_london
    assert len(named_london) == 14
    assert all(b["source"] for b in data["brma"].values())
    assert data["postal_district"]["source"]
    assert lha.greater_london().brmas == {
        "central-london",
        "inner-east-london",
        "inner-north-london",
        "inner-south-east-london",
        "inner-south-west-london",
        "inner-west-london",
    }


def test_outer_districts_known_to_be_in_london_from_their_boroughs_are_counted() -> None:
    """How many districts outside the London postal district answer "in Greater London" from their
    boroughs alone (docs/benefits.md gives the figure): a change to the data or the rule shows here."""
    postal = lha.greater_london().postcode_areas
    outer = [d for d in lha.district_authorities() if lha._area_letters(d) not in postal]
    known = [d for d in outer if _parses(f"{d} 1AA") and lha.in_greater_london(f"{d} 1AA", None)]
    assert len(known) == 73
    assert {"CR0", "EN1", "HA1", "KT1", "SM1", "TW1", "UB1"} <= set(known)
    assert not {"DA1", "WD6", "CR3", "IG10"} & set(known)


def _parses(postcode: str) -> bool:
    """The table keeps a few retired districts (W1M, NPT) that no postcode of today's shape can name."""
    try:
        parse_postcode(postcode)
    except InvalidPostcode:
        return False
    return True
