"""Dates the benefits API takes are bounded to what makes sense for the field: a date far out is a 422
problem naming the field, never a 500 (December 9999 once overflowed `one_month_later`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from dwp.benefits.domain import dates_that_make_sense
from tests.integration.conftest import bearer
from tests.integration.test_benefits_api import benefits, problem, uc_body

pytestmark = pytest.mark.integration
__all__ = ["benefits"]  # the fixture, used by name

FIRST, LAST = dates_that_make_sense()
JSA = {"date_of_birth": "1985-01-01", "claim_date": "2026-02-02", "week_start": "2026-02-09"}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"universal_credit": uc_body(assessment_period_start="9999-12-15")}, "assessment_period_start"),
        ({"universal_credit": uc_body(assessment_period_end="9999-12-31")}, "assessment_period_end"),
        (
            {"universal_credit": uc_body(assessment_period_start=(LAST + timedelta(days=1)).isoformat())},
            "assessment_period_start",
        ),
        (
            {"universal_credit": uc_body(assessment_period_start=(FIRST - timedelta(days=1)).isoformat())},
            "assessment_period_start",
        ),
        ({"universal_credit": uc_body(adults=[{"date_of_birth": "1899-12-31"}])}, "adults/0/date_of_birth"),
        (
            {
                "universal_credit": uc_body(
                    adults=[{"date_of_birth": "1985-01-01", "lcwra_since": "9999-12-31"}]
                )
            },
            "adults/0/lcwra_since",
        ),
        (
            {"universal_credit": uc_body(children=[{"date_of_birth": "9999-12-31", "sex": "M"}])},
            "children/0/date_of_birth",
        ),
        (
            {"universal_credit": uc_body(non_dependants=[{"date_of_birth": "0001-01-01"}])},
            "non_dependants/0/date_of_birth",
        ),
        ({"new_style_jsa": {**JSA, "claim_date": "9999-12-31"}}, "claim_date"),
        ({"new_style_esa": {**JSA, "week_start": "9999-12-31"}}, "week_start"),
        ({"new_style_jsa": {**JSA, "date_of_birth": "9999-12-31"}}, "date_of_birth"),
        (
            {"new_style_jsa": {**JSA, "ni_record": [{"tax_year": "9999-00"}]}},
            "ni_record/0/tax_year",
        ),
    ],
)
async def test_an_estimate_with_a_date_out_of_range_is_a_422_naming_it(
    benefits: httpx.AsyncClient, body: dict[str, Any], pointer: str
) -> None:
    response = await benefits.post("/v1/estimates", json=body)
    section = next(iter(body))
    problem(response, f"#/{section}/{pointer}")


async def test_an_assessment_in_december_9999_is_a_422_naming_the_field(
    benefits: httpx.AsyncClient, tokens: Callable[..., str]
) -> None:
    staff = tokens("caseworker", roles=["caseworker"])
    for circumstances, payment, pointer in (
        (
            uc_body(assessment_period_start="9999-12-15"),
            "2025-06-20",
            "#/circumstances/assessment_period_start",
        ),
        (uc_body(), "9999-12-31", "#/hmrc_earnings/0/paid_on"),
    ):
        body = {
            "claim_id": f"claim-{uuid.uuid4().hex[:8]}",
            "circumstances": circumstances,
            "hmrc_earnings": [{"paid_on": payment, "gross": 1000}],
        }
        headers = bearer(staff, **{"Idempotency-Key": uuid.uuid4().hex})
        problem(await benefits.post("/v1/assessments", json=body, headers=headers), pointer)
