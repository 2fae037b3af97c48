"""The estimate takes a postcode instead of LHA figures (issue 13), over HTTP on SQLite and PostgreSQL.

Worked by hand: a single renter aged 40, 1 to 30 June 2025, private rent £900.00 a month, no income. In
LS6 (Leeds BRMA, one-bedroom rate £675.00 a month) the award is £400.14 + £675.00 = £1,075.14. In SW9 the
person (who says they live in London) chooses Inner South East London (one-bedroom £1,295.50), so
£400.14 + £900.00 (the rent, below the rate) = £1,300.14, under the London single cap of £1,413.92 (outside
London the £1,229.42 cap would bite).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.integration.conftest import bearer
from tests.integration.test_benefits_api import benefits, problem, uc_body

pytestmark = pytest.mark.integration
__all__ = ["benefits"]


def renter(housing: dict[str, Any]) -> dict[str, Any]:
    return uc_body(
        adults=[{"date_of_birth": "1985-01-01"}],
        children=[],
        housing={"tenure": "private", "monthly_rent": 90000, "bedrooms": 1, **housing},
    )


async def test_a_postcode_in_one_brma_needs_no_lha_figures(benefits: httpx.AsyncClient) -> None:
    r = await benefits.post("/v1/estimates", json={"universal_credit": renter({"postcode": "ls6 1aa"})})
    assert r.status_code == 200, r.text
    uc = r.json()["universal_credit"]
    assert uc["amounts"]["housing_element"] == 67500
    assert uc["award_pence"] == 107514


async def test_a_district_in_several_brmas_asks_the_person_to_choose(benefits: httpx.AsyncClient) -> None:
    r = await benefits.post("/v1/estimates", json={"universal_credit": renter({"postcode": "SW9 8AB"})})
    body = problem(r, "#/universal_credit/housing/brma")
    assert body["errors"][0]["code"] == "choose_area"
    assert body["choices"] == [
        {"brma": "inner-south-west-london", "name": "Inner South West London"},
        {"brma": "inner-south-east-london", "name": "Inner South East London"},
    ]
    chosen = renter({"postcode": "SW9 8AB", "brma": "inner-south-east-london"}) | {"london": True}
    r = await benefits.post("/v1/estimates", json={"universal_credit": chosen})
    assert r.status_code == 200, r.text
    assert r.json()["universal_credit"]["award_pence"] == 40014 + 90000


async def test_old_lha_fields_still_work_for_callers_that_have_them(benefits: httpx.AsyncClient) -> None:
    figures = {"shared": 40000, "one": 60000, "two": 70000, "three": 80000, "four": 90000}
    r = await benefits.post("/v1/estimates", json={"universal_credit": renter({"lha_rates": figures})})
    assert r.status_code == 200, r.text
    assert r.json()["universal_credit"]["amounts"]["housing_element"] == 60000


@pytest.mark.parametrize(
    ("housing", "pointer", "code"),
    [
        ({"postcode": "BT1 1AA"}, "#/universal_credit/housing/postcode", "claim_elsewhere"),
        ({"postcode": "not a postcode"}, "#/universal_credit/housing/postcode", "invalid_circumstances"),
        (
            {"postcode": "LS6 1AA", "brma": "sheffield"},
            "#/universal_credit/housing/brma",
            "invalid_circumstances",
        ),
        ({"postcode": "SW9 8AB", "brma": "leeds"}, "#/universal_credit/housing/brma", "choose_area"),
        ({"brma": "leeds"}, "#/universal_credit/housing/postcode", "invalid_circumstances"),
        ({"brma": "LEEDS!"}, "#/universal_credit/housing/brma", None),
        ({"postcode": ""}, "#/universal_credit/housing/postcode", None),
        ({}, "#/universal_credit/housing/lha_rates", "invalid_circumstances"),
    ],
)
async def test_bad_area_input_is_a_problem_naming_the_field(
    benefits: httpx.AsyncClient, housing: dict[str, Any], pointer: str, code: str | None
) -> None:
    r = await benefits.post("/v1/estimates", json={"universal_credit": renter(housing)})
    body = problem(r, pointer)
    if code is not None:
        assert code in [e.get("code") for e in body["errors"]], body


async def test_northern_ireland_says_where_to_claim(benefits: httpx.AsyncClient) -> None:
    r = await benefits.post("/v1/estimates", json={"universal_credit": renter({"postcode": "BT7 1NN"})})
    body = problem(r, "#/universal_credit/housing/postcode")
    assert "Department for Communities" in body["detail"]


async def test_an_assessment_takes_the_postcode_and_asks_for_the_area_under_circumstances(
    benefits: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    # The claims service sends the home's postcode (its housing answers) instead of LHA figures.
    staff = tokens("service")
    body = {"claim_id": f"claim-{uuid.uuid4().hex[:8]}", "circumstances": renter({"postcode": "SW9 8AB"})}
    r = await benefits.post("/v1/assessments", json=body, headers=bearer(staff))
    assert problem(r, "#/circumstances/housing/brma")["choices"][1]["name"] == "Inner South East London"
    body["circumstances"] = renter({"postcode": "LS6 1AA"})
    r = await benefits.post("/v1/assessments", json=body, headers=bearer(staff))
    assert r.status_code == 201, r.text
    assert r.json()["amounts"]["housing_element"] == 67500
