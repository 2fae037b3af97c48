"""Owner-occupiers' service charges and the London cap from the home's area, over HTTP (issue 13).

Worked by hand, 1 to 30 June 2025 (2025/26 rates), a single person born 1985 (25 or over, £400.14), no
income: an owner with service charges of £120.00 whose qualifying period is served (9 periods, carried
in `owner_qualifying_months`) gets 400.14 + 120.00 = £520.14; in the qualifying period £400.14, and the
answer carries the count on (1). A social renter at £1,500.00 in E1 (a London postal district) is capped
at the London single amount, £1,413.92, without ticking `london`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.test_benefits_api import benefits, problem, uc_body

pytestmark = pytest.mark.integration
__all__ = ["benefits"]


def single(housing: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "universal_credit": uc_body(
            adults=[{"date_of_birth": "1985-01-01"}], children=[], housing=housing, **kw
        )
    }


async def test_an_owners_service_charges_are_met_once_the_qualifying_period_is_served(
    benefits: httpx.AsyncClient,
) -> None:
    housing = {"tenure": "owner", "service_charges": 12000, "bedrooms": 2}
    r = await benefits.post("/v1/estimates", json=single(housing, owner_qualifying_months=9))
    assert r.status_code == 200, r.text
    uc = r.json()["universal_credit"]
    assert (uc["amounts"]["housing_element"], uc["award_pence"]) == (12000, 52014)
    r = await benefits.post("/v1/estimates", json=single(housing))
    assert r.status_code == 200, r.text
    uc = r.json()["universal_credit"]
    assert uc["award_pence"] == 40014
    assert uc["amounts"]["owner_qualifying_months"] == 1
    assert "uc.housing.owner_qualifying_period" in [line["key"] for line in uc["explanation"]]


@pytest.mark.parametrize(
    ("housing", "extra", "pointer"),
    [
        ({"tenure": "none", "service_charges": 5000}, {}, "#/universal_credit/housing/service_charges"),
        (
            {"tenure": "owner", "monthly_rent": 40000, "service_charges": 5000},
            {},
            "#/universal_credit/housing/monthly_rent",
        ),
        ({"tenure": "owner", "service_charges": -1}, {}, "#/universal_credit/housing/service_charges"),
        (
            {"tenure": "owner", "service_charges": 5000},
            {"owner_qualifying_months": 10},
            "#/universal_credit/owner_qualifying_months",
        ),
        ({"tenure": "mortgage"}, {}, "#/universal_credit/housing/tenure"),
        (
            {"tenure": "social", "monthly_rent": 50000, "postcode": "BT1 1AA"},
            {},
            "#/universal_credit/housing/postcode",
        ),
    ],
)
async def test_what_cannot_be_is_a_problem_naming_the_field(
    benefits: httpx.AsyncClient, housing: dict[str, Any], extra: dict[str, Any], pointer: str
) -> None:
    r = await benefits.post("/v1/estimates", json=single({"bedrooms": 1, **housing}, **extra))
    problem(r, pointer)


async def test_the_london_cap_applies_from_a_london_postcode_without_the_box(
    benefits: httpx.AsyncClient,
) -> None:
    housing = {"tenure": "social", "monthly_rent": 150000, "bedrooms": 1, "postcode": "E1 6AN"}
    r = await benefits.post("/v1/estimates", json=single(housing))
    assert r.status_code == 200, r.text
    uc = r.json()["universal_credit"]
    assert (uc["amounts"]["cap_level"], uc["award_pence"]) == (141392, 141392)
    # Outside the London postal district and an inner BRMA it cannot be known: the answer stands.
    r = await benefits.post("/v1/estimates", json=single({**housing, "postcode": "LS6 1AA"}))
    assert r.json()["universal_credit"]["amounts"]["cap_level"] == 122942
