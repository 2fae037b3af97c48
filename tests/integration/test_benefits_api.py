"""The benefits service over HTTP (in process), on SQLite and on PostgreSQL when available."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.integration.conftest import bearer

pytestmark = pytest.mark.integration


@pytest.fixture
async def benefits(bootstrapped: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from dwp.benefits.app import build_app

    await asyncio.to_thread(upgrade, "benefits", bootstrapped)
    app: FastAPI = build_app(bootstrapped)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://benefits.test") as client,
    ):
        yield client


def uc_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "assessment_period_start": "2025-06-01",
        "adults": [{"date_of_birth": "1985-01-01", "earnings": {"gross": 150000, "income_tax": 9000}}],
        "children": [{"date_of_birth": "2019-03-01", "sex": "F"}],
        "housing": {"tenure": "social", "monthly_rent": 50000, "bedrooms": 2},
    }
    body.update(overrides)
    return body


def problem(response: httpx.Response, pointer: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["type"].endswith("validation")
    assert pointer in [e["pointer"] for e in body["errors"]], body
    return body


async def test_estimate_universal_credit_with_explanation(benefits: httpx.AsyncClient) -> None:
    r = await benefits.post("/v1/estimates", json={"universal_credit": uc_body()})
    assert r.status_code == 200, r.text
    uc = r.json()["universal_credit"]
    # £400.14 + £292.81 + £500.00 - 55% x (£1,410.00 - £411.00) = £1,192.95 - £549.45 = £643.50
    assert uc["award_pence"] == 64350
    assert uc["tax_year"] == "2025-26"
    last = uc["explanation"][-1]
    assert last["text"]["en"] == "Universal Credit for this assessment period: £643.50"
    assert last["text"]["cy"].startswith("Credyd Cynhwysol")
    assert all(line["regulation"] for line in uc["explanation"])


async def test_estimate_counts_new_style_jsa_in_universal_credit(benefits: httpx.AsyncClient) -> None:
    jsa = {
        "date_of_birth": "1985-01-01",
        "claim_date": "2026-02-02",
        "week_start": "2026-02-09",
        "ni_record": [
            {"tax_year": "2023-24", "paid_earnings": 2000000},
            {"tax_year": "2024-25", "paid_earnings": 2000000},
        ],
    }
    uc = uc_body(assessment_period_start="2026-02-09", adults=[{"date_of_birth": "1985-01-01"}])
    r = await benefits.post("/v1/estimates", json={"universal_credit": uc, "new_style_jsa": jsa})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["new_style_jsa"]["weekly_amount_pence"] == 9205
    assert body["universal_credit"]["amounts"]["unearned_income"] == 39888  # £92.05 x 52 / 12


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"capital": -1}, "#/universal_credit/capital"),
        ({"adults": [{"date_of_birth": "2015-01-01"}]}, "#/universal_credit/adults/0/date_of_birth"),
        (
            {"children": [{"date_of_birth": "1990-01-01", "sex": "F"}]},
            "#/universal_credit/children/0/date_of_birth",
        ),
        ({"assessment_period_end": "2025-07-15"}, "#/universal_credit/assessment_period_end"),
        ({"couple": True}, "#/universal_credit/adults"),
        ({"assessment_period_start": "2019-06-01"}, "#/universal_credit/assessment_period_start"),
        (
            {"adults": [{"date_of_birth": "1985-01-01", "earnings": {"gross": -100}}]},
            "#/universal_credit/adults/0/earnings/gross",
        ),
        # issue 13: whom a carer cares for must be a person the household lists; labels are ASCII
        (
            {"adults": [{"date_of_birth": "1985-01-01", "carer": True, "cares_for": "mum"}]},
            "#/universal_credit/adults/0/cares_for",
        ),
        ({"people_cared_for": ["mum\u0661"]}, "#/universal_credit/people_cared_for/0"),
        ({"people_cared_for": ["mum", "mum"]}, "#/universal_credit/people_cared_for"),
        # a single claimant over State Pension age claims Pension Credit (WRA 2012 s.4(1)(b))
        ({"adults": [{"date_of_birth": "1950-01-01"}]}, "#/universal_credit/adults/0/date_of_birth"),
    ],
)
async def test_bad_input_is_a_422_problem_naming_the_field(
    benefits: httpx.AsyncClient, change: dict[str, Any], pointer: str
) -> None:
    r = await benefits.post("/v1/estimates", json={"universal_credit": uc_body(**change)})
    problem(r, pointer)


async def test_unknown_tax_year(benefits: httpx.AsyncClient) -> None:
    r = await benefits.post("/v1/estimates", json={"tax_year": "2019-20", "universal_credit": uc_body()})
    problem(r, "#/tax_year")
    r = await benefits.get("/v1/rates/2019-20")
    problem(r, "path#/tax_year")


async def test_rates_with_sources(benefits: httpx.AsyncClient) -> None:
    r = await benefits.get("/v1/rates/2026-27")
    assert r.status_code == 200
    figures = r.json()["figures"]
    assert figures["uc.lcwra.new_claimant"]["value"] == 21726
    assert all(f["source"] for f in figures.values())


async def test_assessment_is_stored_with_inputs_and_explanation(
    benefits: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    body = {
        "claim_id": f"claim-{uuid.uuid4().hex[:8]}",
        "circumstances": uc_body(),
        "hmrc_earnings": [
            {"paid_on": "2025-06-20", "gross": 120000, "income_tax": 5000, "national_insurance": 3000},
            {"paid_on": "2025-06-27", "gross": 30000},
        ],
    }
    assert (await benefits.post("/v1/assessments", json=body)).status_code == 401
    citizen = tokens()
    assert (await benefits.post("/v1/assessments", json=body, headers=bearer(citizen))).status_code == 403
    # Roles count only on caseworker tokens: a citizen token that claims the caseworker role is a citizen.
    posing = tokens(roles=["caseworker"])
    assert (await benefits.post("/v1/assessments", json=body, headers=bearer(posing))).status_code == 403
    staff = tokens("caseworker", roles=["caseworker"])
    headers = bearer(staff, **{"Idempotency-Key": uuid.uuid4().hex})
    created = await benefits.post("/v1/assessments", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assessment = created.json()
    # RTI: £1,500 gross less £50 tax and £30 NI = £1,420 net; £1,192.95 - 55% x (£1,420 - £411) = £638.00.
    assert assessment["amounts"]["earned_income"] == 142000
    assert assessment["award_pence"] == 63800
    replay = await benefits.post("/v1/assessments", json=body, headers=headers)
    # A replay is the original answer (IETF Idempotency-Key draft): 201 with the same body and Location.
    assert replay.status_code == 201
    assert replay.json() == assessment
    assert replay.headers["location"] == created.headers["location"]
    other = await benefits.post("/v1/assessments", json={**body, "claim_id": "claim-other"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")
    read = await benefits.get(created.headers["location"], headers=bearer(staff))
    assert read.status_code == 200
    stored = read.json()
    assert stored["inputs"]["claim_id"] == body["claim_id"]
    assert stored["explanation"] == assessment["explanation"]
    assert stored["award_pence"] == assessment["award_pence"]
    missing = await benefits.get(f"/v1/assessments/{uuid.uuid4()}", headers=bearer(staff))
    assert missing.status_code == 404
    assert (await benefits.get(created.headers["location"], headers=bearer(posing))).status_code == 403


async def test_rti_payment_outside_the_period_is_refused(
    benefits: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    body = {
        "claim_id": "claim-1",
        "circumstances": uc_body(),
        "hmrc_earnings": [{"paid_on": "2025-08-01", "gross": 1000}],
    }
    staff = tokens("service")
    r = await benefits.post("/v1/assessments", json=body, headers=bearer(staff))
    problem(r, "#/hmrc_earnings/0/paid_on")


async def test_a_contributory_benefit_error_names_its_own_section(benefits: httpx.AsyncClient) -> None:
    esa = {"date_of_birth": "1950-01-01", "claim_date": "2026-02-02", "week_start": "2026-02-09"}
    jsa = {**esa, "date_of_birth": "1985-01-01"}
    r = await benefits.post("/v1/estimates", json={"new_style_jsa": jsa, "new_style_esa": esa})
    problem(r, "#/new_style_esa/date_of_birth")
