"""The integrations service's National Insurance record route over HTTP, against the HMRC simulator's
NICC interface (tests/unit/simulators/test_hmrc_contributions.py holds the simulator to HMRC's published
definition), on SQLite and PostgreSQL: the record per tax year in pence, each look-up audited with the
claim and purpose, no record a 404 problem, HMRC down a 503 with Retry-After, and bad ranges 422."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration import test_integrations_api as integrations_api
from tests.integration.test_integrations_api import Stack, unavailable

pytestmark = pytest.mark.integration
stack = integrations_api.stack
nhs_key_file = integrations_api.nhs_key_file
"""The integrations API test's fixtures: the service in process, HMRC's and the NHS's simulators."""

SARAH = {"national_insurance_number": "AB123456C", "date_of_birth": "1985-04-12"}


async def ask(stack: Stack, claim_id: str, **overrides: Any) -> httpx.Response:
    body = SARAH | {"claim_id": claim_id, "purpose": "new-claim-assessment", "first_tax_year": 2022,
                    "last_tax_year": 2024} | overrides  # fmt: skip
    return await stack.client.post("/v1/national-insurance-record", json=body, headers=stack.as_service())


async def test_the_class_1_record_per_tax_year_in_pence_and_audited(stack: Stack) -> None:
    claim_id = f"claim-ni-{uuid.uuid4()}"
    response = await ask(stack, claim_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [y["tax_year"] for y in body["years"]] == ["2022-23", "2023-24", "2024-25"]
    for year in body["years"]:
        assert isinstance(year["paid_earnings"], int)
        assert 12 * 53_300 <= year["paid_earnings"] <= 12 * 418_900  # monthly pay between the limits
        assert year["credited_earnings"] == 0
    # The benefits service's contribution conditions take these years as they are.
    from dwp.benefits.schemas import NIYearIn

    for year in body["years"]:
        NIYearIn.model_validate(year)
    [entry] = await stack.audit(claim_id)
    assert entry["id"] == body["access_id"]
    assert (entry["provider"], entry["dataset"], entry["outcome"], entry["records"]) == (
        "hmrc", "ni-class1", "found", 3
    )  # fmt: skip
    assert "AB123456C" not in str(entry)


async def test_no_record_bad_ranges_and_hmrc_down_are_problems_never_a_500(stack: Stack) -> None:
    claim_id = f"claim-ni-{uuid.uuid4()}"
    missing = await ask(stack, claim_id, date_of_birth="1985-04-13")
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-type"] == "application/problem+json"
    bad_bodies: list[dict[str, Any]] = [
        {"first_tax_year": 2024, "last_tax_year": 2022},
        {"first_tax_year": 2015},
        {"last_tax_year": 9999},
        {"national_insurance_number": "AB123456C\x00"},
        {"extra": 1},
    ]
    for bad in bad_bodies:
        refused = await ask(stack, claim_id, **bad)
        assert refused.status_code == 422, (bad, refused.text)
    await stack.fault(stack.hmrc, fault="error", status=503)
    unavailable(await ask(stack, claim_id))
    outcomes = [e["outcome"] for e in await stack.audit(claim_id)]
    assert "no-match" in outcomes
    assert "provider-unavailable" in outcomes
