"""The HMRC simulator's National Insurance Contribution and Credits interface against HMRC's published
definition (github.com/hmrc/national-insurance-contribution-and-credits-api,
`resources/public/api/conf/1.0/application.yaml`), quoted:

- REQUEST: `PostNIContCredRequest`: "startTaxYear", "endTaxYear", "dateOfBirth",
  "nationalInsuranceNumber" required, "customerCorrelationID" optional, `additionalProperties: false`.
- CLASS1: `niClass1` items: "taxYear", "niContributionCategory", "niContributionCategoryName",
  "niContributionType", "totalPrimaryContribution", "contributionStatus", "totalEarningsFactor".
- ERRORS_422: "Start tax year after end tax year" 63496, "Start tax year before 1975" 63497, "Start tax
  year after CY-1" 63498, "End tax year after CY-1" 63499, "Tax year range greater than six years" 63500.
- FORBIDDEN: `{"reason": "Forbidden", "code": "FORBIDDEN"}`; BAD_REQUEST: `{"failures": [{"reason":
  "Bad request", "code": "BAD_REQUEST"}]}`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from dwp.simulators.hmrc import contributions
from dwp.simulators.hmrc.app import create_app

CLASS1_KEYS = {
    "taxYear", "niContributionCategory", "niContributionCategoryName", "niContributionType",
    "totalPrimaryContribution", "contributionStatus", "totalEarningsFactor",
}  # fmt: skip
SARAH = {"nationalInsuranceNumber": "AB123456C", "dateOfBirth": "1985-04-12"}
TODAY = date(2026, 12, 1)  # tax year 2026-27: CY-1 is 2025


async def _client(scopes: tuple[str, ...]) -> tuple[httpx.AsyncClient, dict[str, str]]:
    app = create_app(clients={"c": ("s", scopes)}, today=lambda: TODAY)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hmrc.test")
    token = await http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "c",
                                                  "client_secret": "s"})  # fmt: skip
    headers = {
        "Authorization": f"Bearer {token.json()['access_token']}",
        "Accept": contributions.ACCEPT,
        "correlationId": str(uuid.uuid4()),
    }
    return http, headers


@pytest.fixture
async def nicc() -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    http, headers = await _client((contributions.SCOPE,))
    try:
        yield http, headers
    finally:
        await http.aclose()


async def ask(nicc: tuple[httpx.AsyncClient, dict[str, str]], **body: Any) -> httpx.Response:
    http, headers = nicc
    return await http.post(contributions.PATH, json=body, headers=headers)


async def test_a_class_1_record_per_tax_year_in_the_published_shape(
    nicc: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    response = await ask(nicc, startTaxYear="2022", endTaxYear="2025", **SARAH)
    assert response.status_code == 200, response.text
    assert response.headers["correlationid"] == nicc[1]["correlationId"]
    body = response.json()
    assert set(body) == {"niClass1", "niClass2"}
    years = body["niClass1"]
    assert [y["taxYear"] for y in years] == [2022, 2023, 2024, 2025]
    for year in years:
        assert set(year) == CLASS1_KEYS
        assert (year["niContributionType"], year["contributionStatus"]) == ("C1", "VALID")
        # Paid monthly above the lower earnings limit all year: 12 months of earnings factor, each at
        # most the monthly upper earnings limit (£4,189).
        assert 12 * 533 <= year["totalEarningsFactor"] <= 12 * 4189
        assert year["totalPrimaryContribution"] > 0


async def test_credits_and_a_person_with_no_paye(nicc: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    ewa = await ask(nicc, startTaxYear="2025", endTaxYear="2025", nationalInsuranceNumber="PW615203A",
                    dateOfBirth="1987-02-27")  # fmt: skip
    kinds = {y["niContributionType"]: y["totalEarningsFactor"] for y in ewa.json()["niClass1"]}
    assert kinds["CR1"] == 14 * 125.0  # 14 weeks credited at 2025-26's lower earnings limit
    harry = await ask(nicc, startTaxYear="2020", endTaxYear="2025", nationalInsuranceNumber="EM508372D",
                      dateOfBirth="2001-09-14")  # fmt: skip
    assert harry.status_code == 200
    assert harry.json() == {"niClass1": [], "niClass2": []}


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [("2024", "2023", "63496"), ("1974", "1976", "63497"), ("2026", "2026", "63498"),
     ("2024", "2026", "63499"), ("2018", "2025", "63500")],
)  # fmt: skip
async def test_the_published_422_codes(
    nicc: tuple[httpx.AsyncClient, dict[str, str]], start: str, end: str, code: str
) -> None:
    response = await ask(nicc, startTaxYear=start, endTaxYear=end, **SARAH)
    assert response.status_code == 422
    [failure] = response.json()["failures"]
    assert failure["code"] == code


@pytest.mark.parametrize(
    "change",
    [{"extra": 1}, {"startTaxYear": 2022}, {"nationalInsuranceNumber": "QQ123456C"},
     {"nationalInsuranceNumber": "AB123456C\x00"}, {"dateOfBirth": "1985-02-30"},
     {"endTaxYear": "\uff12\uff10\uff12\uff15"}],
)  # fmt: skip
async def test_bad_requests_are_400(
    nicc: tuple[httpx.AsyncClient, dict[str, str]], change: dict[str, Any]
) -> None:
    response = await ask(nicc, **{"startTaxYear": "2022", "endTaxYear": "2025", **SARAH, **change})
    assert response.status_code == 400, response.text
    assert response.json() == {"failures": [{"reason": "Bad request", "code": "BAD_REQUEST"}]}


async def test_no_record_is_404_and_a_token_without_the_scope_is_403(
    nicc: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    wrong_birth = await ask(nicc, startTaxYear="2022", endTaxYear="2025", nationalInsuranceNumber="AB123456C",
                            dateOfBirth="1985-04-13")  # fmt: skip
    assert wrong_birth.status_code == 404
    http, headers = await _client(("read:individuals-income",))
    body = {"startTaxYear": "2022", "endTaxYear": "2025", **SARAH}
    try:
        refused = await http.post(contributions.PATH, json=body, headers=headers)
    finally:
        await http.aclose()
    assert refused.status_code == 403
    assert refused.json() == {"reason": "Forbidden", "code": "FORBIDDEN"}
