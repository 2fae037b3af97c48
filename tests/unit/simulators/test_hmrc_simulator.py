"""The HMRC simulator against HMRC's published API definitions.

Quoted from github.com/hmrc, `resources/public/api/conf/2.0/`:
- MATCHING: individuals-matching-api, application.yaml and docs/match-endpoint-description.md
- EMPLOYMENTS: individuals-employments-api, examples/employments-response.json and schemas/
- INCOME: individuals-income-api, examples/income-response.json and schemas/income-response.json
- GATEWAY: the API platform's gateway errors (hmrc/api-gateway: GatewayError)
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from dwp.simulators.hmrc.app import create_app
from dwp.simulators.hmrc.payroll import tax_month, tax_week

CLIENT = ("test-client", "test-secret")
TODAY = date(2025, 11, 30)
ACCEPT = "application/vnd.hmrc.2.0+json"
# MATCHING, request example.
AMANDA = {"firstName": "Amanda", "lastName": "Joseph", "nino": "NA000799C", "dateOfBirth": "1960-01-15"}
# INCOME, schema: the properties of one paye.income entry.
DOCUMENTED_INCOME_KEYS = {
    "employerPayeReference", "taxYear", "employee", "payroll", "payFrequency", "weekPayNumber",
    "monthPayNumber", "paymentDate", "paidHoursWorked", "taxCode", "taxablePayToDate", "taxablePay",
    "totalTaxToDate", "taxDeductedOrRefunded", "dednsFromNetPay", "employeePensionContribs",
    "statutoryPayYTD", "grossEarningsForNICs", "totalEmployerNICs", "employeeNICs",
}  # fmt: skip
# EMPLOYMENTS, schema: payFrequency's enum.
EMPLOYMENT_FREQUENCIES = {
    "WEEKLY", "FORTNIGHTLY", "FOUR_WEEKLY", "CALENDAR_MONTHLY", "QUARTERLY", "BI_ANNUALLY", "ANNUALLY",
    "ONE_OFF", "IRREGULAR",
}  # fmt: skip


class Hmrc:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def sign_in(self, scope: str | None = None) -> dict[str, Any]:
        form = {"grant_type": "client_credentials", "client_id": CLIENT[0], "client_secret": CLIENT[1]}
        if scope:
            form["scope"] = scope
        response = await self.http.post("/oauth/token", data=form)
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        return dict(response.json())

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": ACCEPT, "CorrelationId": str(uuid.uuid4())}

    async def match(self, person: dict[str, str]) -> httpx.Response:
        return await self.http.post("/individuals/matching/", json=person, headers=self.headers())

    async def match_id(self, person: dict[str, str]) -> str:
        response = await self.match(person)
        assert response.status_code == 200, response.text
        return str(response.json()["_links"]["individual"]["href"]).rsplit("/", 1)[1]

    async def income(self, person: dict[str, str], start: str, end: str) -> list[dict[str, Any]]:
        params = {"matchId": await self.match_id(person), "fromDate": start, "toDate": end}
        response = await self.http.get("/individuals/income/paye", params=params, headers=self.headers())
        assert response.status_code == 200, response.text
        return list(response.json()["paye"]["income"])


def make_app(today: date = TODAY) -> Any:
    scopes = ("read:individuals-matching", "read:individuals-employments", "read:individuals-income")
    return create_app(clients={CLIENT[0]: (CLIENT[1], scopes)}, today=lambda: today)


@pytest.fixture
async def hmrc() -> AsyncIterator[Hmrc]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app()), base_url="http://hmrc.test"
    ) as h:
        client = Hmrc(h)
        await client.sign_in()
        yield client


def person(first: str, last: str, nino: str, born: str) -> dict[str, str]:
    return {"firstName": first, "lastName": last, "nino": nino, "dateOfBirth": born}


async def test_token_is_an_oauth_client_credentials_grant(hmrc: Hmrc) -> None:
    body = await hmrc.sign_in()
    assert set(body) == {"access_token", "scope", "expires_in", "token_type"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 14_400


GRANT = {"grant_type": "client_credentials", "client_id": CLIENT[0], "client_secret": CLIENT[1]}


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (GRANT | {"client_secret": "nope"}, 401, "invalid_client"),
        (GRANT | {"client_id": "nobody"}, 401, "invalid_client"),
        (GRANT | {"grant_type": "password"}, 400, "unsupported_grant_type"),
        (GRANT | {"scope": "write:everything"}, 400, "invalid_scope"),
    ],
)
async def test_token_refusals_are_oauth_errors(
    hmrc: Hmrc, form: dict[str, str], status: int, error: str
) -> None:
    response = await hmrc.http.post("/oauth/token", data=form)
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_documented_match_gives_a_match_id_link(hmrc: Hmrc) -> None:
    response = await hmrc.match(AMANDA)
    assert response.status_code == 200
    links = response.json()["_links"]
    # MATCHING, 200 example: individual.href /individuals/matching/{matchId}, self /individuals/matching/.
    assert links["self"] == {"href": "/individuals/matching/"}
    assert links["individual"]["name"] == "GET"
    match_id = links["individual"]["href"].removeprefix("/individuals/matching/")
    assert uuid.UUID(match_id)
    details = await hmrc.http.get(f"/individuals/matching/{match_id}", headers=hmrc.headers())
    assert details.json()["individual"] == AMANDA
    assert details.json()["_links"]["income"]["href"] == f"/individuals/income/?matchId={match_id}"


async def test_match_criteria_first_letter_first_three_letters_nino_and_birth_date(hmrc: Hmrc) -> None:
    # MATCHING: "firstName: First character must be identical; all remaining characters are ignored",
    # "lastName: First three characters must be identical".
    assert (await hmrc.match(AMANDA | {"firstName": "Alison", "lastName": "Josephs"})).status_code == 200
    for change in ({"firstName": "Brenda"}, {"lastName": "Jones"}, {"dateOfBirth": "1960-01-16"}):
        response = await hmrc.match(AMANDA | change)
        # MATCHING, 404: {"code": "MATCHING_FAILED"}.
        assert response.status_code == 404
        assert response.json() == {
            "code": "MATCHING_FAILED",
            "message": "There is no match for the information provided",
        }


async def test_no_record_at_all_is_matching_failed(hmrc: Hmrc) -> None:
    response = await hmrc.match(person("Priya", "Shah", "SP123456A", "1988-05-21"))
    assert response.status_code == 404
    assert response.json()["code"] == "MATCHING_FAILED"


@pytest.mark.parametrize(
    "nino",
    ["DA123456A", "QQ123456A", "AO123456A", "BG123456A", "GB123456A", "NK123456A", "TN123456A", "ZZ123456A",
     "AB123456E", "AB12345A", "AB\uff11\uff12\uff13\uff14\uff15\uff16A"],
)  # fmt: skip
async def test_ninos_with_disallowed_prefixes_or_suffixes_are_invalid_requests(hmrc: Hmrc, nino: str) -> None:
    response = await hmrc.match(AMANDA | {"nino": nino})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"


@pytest.mark.parametrize(
    "change", [{"firstName": ""}, {"lastName": "Jo$eph"}, {"dateOfBirth": "15/01/1960"}, {"nino": None}]
)
async def test_bad_match_bodies_are_invalid_requests(hmrc: Hmrc, change: dict[str, str | None]) -> None:
    body = {k: v for k, v in (AMANDA | change).items() if v is not None}
    response = await hmrc.match(body)
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"


async def test_gateway_refusals_use_the_platform_codes(hmrc: Hmrc) -> None:
    # GATEWAY: MISSING_CREDENTIALS and INVALID_CREDENTIALS are 401, INVALID_SCOPE 403,
    # ACCEPT_HEADER_INVALID 406.
    path = "/individuals/matching/"
    headers = hmrc.headers()
    no_auth = {k: v for k, v in headers.items() if k != "Authorization"}
    assert (await hmrc.http.post(path, json=AMANDA, headers=no_auth)).json() == {
        "code": "MISSING_CREDENTIALS",
        "message": "Authentication information is not provided",
    }
    wrong = headers | {"Authorization": "Bearer not-a-token"}
    response = await hmrc.http.post(path, json=AMANDA, headers=wrong)
    assert (response.status_code, response.json()["code"]) == (401, "INVALID_CREDENTIALS")
    response = await hmrc.http.post(path, json=AMANDA, headers=headers | {"Accept": "application/json"})
    assert (response.status_code, response.json()["code"]) == (406, "ACCEPT_HEADER_INVALID")
    response = await hmrc.http.post(path, json=AMANDA, headers=headers | {"CorrelationId": "not-a-uuid"})
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_REQUEST")
    await hmrc.sign_in(scope="read:individuals-matching")
    match_id = await hmrc.match_id(AMANDA)
    params = {"matchId": match_id, "fromDate": "2025-04-06"}
    response = await hmrc.http.get("/individuals/income/paye", params=params, headers=hmrc.headers())
    assert (response.status_code, response.json()["code"]) == (403, "INVALID_SCOPE")


async def test_unknown_match_id_is_not_found(hmrc: Hmrc) -> None:
    params = {"matchId": str(uuid.uuid4()), "fromDate": "2025-04-06"}
    response = await hmrc.http.get("/individuals/income/paye", params=params, headers=hmrc.headers())
    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": "The resource can not be found"}


@pytest.mark.parametrize(
    "params", [{"fromDate": "2025-13-01"}, {"fromDate": "2025-10-01", "toDate": "2025-09-01"}, {}]
)
async def test_bad_date_ranges_are_invalid_requests(hmrc: Hmrc, params: dict[str, str]) -> None:
    query = {"matchId": await hmrc.match_id(AMANDA)} | params
    response = await hmrc.http.get("/individuals/income/paye", params=query, headers=hmrc.headers())
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"


async def test_monthly_pay_in_the_documented_income_shape(hmrc: Hmrc) -> None:
    income = await hmrc.income(AMANDA, "2025-04-06", "2025-11-30")
    assert [p["paymentDate"] for p in income] == [
        "2025-04-25",
        "2025-05-23",
        "2025-06-25",
        "2025-07-25",
        "2025-08-25",
        "2025-09-25",
        "2025-10-24",
        "2025-11-25",
    ]  # fmt: skip  (the 25th, or the Friday before when it falls at a weekend)
    for entry in income:
        assert set(entry) <= DOCUMENTED_INCOME_KEYS
        assert entry["payFrequency"] == "M1"
        assert entry["taxYear"] == "2025-26"
        assert entry["employerPayeReference"] == "123/AI45678"
        assert entry["monthPayNumber"] == tax_month(date.fromisoformat(entry["paymentDate"]))
        assert entry["taxablePay"] == 2150.0
    # Year-to-date figures build up within the tax year.
    assert [p["taxablePayToDate"] for p in income] == [2150.0 * n for n in range(1, 9)]
    assert sum(p["taxDeductedOrRefunded"] for p in income) == pytest.approx(income[-1]["totalTaxToDate"])


async def test_four_weekly_pay_is_every_28_days(hmrc: Hmrc) -> None:
    income = await hmrc.income(
        person("Bilal", "Hussain", "JX482910A", "1990-03-08"), "2025-04-06", "2025-11-30"
    )
    days = [date.fromisoformat(p["paymentDate"]) for p in income]
    assert {(b - a).days for a, b in itertools.pairwise(days)} == {28}
    assert {p["payFrequency"] for p in income} == {"W4"}
    assert all(p["weekPayNumber"] == tax_week(d) for p, d in zip(income, days, strict=True))
    assert len({p["taxablePay"] for p in income}) > 1  # overtime varies


async def test_weekly_pay_is_every_friday(hmrc: Hmrc) -> None:
    income = await hmrc.income(
        person("Chloe", "Evans", "ZE273640B", "1998-06-19"), "2025-09-01", "2025-09-30"
    )
    days = [date.fromisoformat(p["paymentDate"]) for p in income]
    assert [d.isoformat() for d in days] == ["2025-09-05", "2025-09-12", "2025-09-19", "2025-09-26"]
    assert {p["payFrequency"] for p in income} == {"W1"}


async def test_two_employers_at_once(hmrc: Hmrc) -> None:
    someone = person("Mohammed", "Khan", "TC904218D", "1979-11-03")
    income = await hmrc.income(someone, "2025-10-01", "2025-10-31")
    by_employer = {p["employerPayeReference"] for p in income}
    assert by_employer == {"612/MC70044", "951/KA33120"}
    params = {"matchId": await hmrc.match_id(someone), "fromDate": "2025-10-01", "toDate": "2025-10-31"}
    employments = (
        await hmrc.http.get("/individuals/employments/paye", params=params, headers=hmrc.headers())
    ).json()
    frequencies = {e["employer"]["payeReference"]: e["payFrequency"] for e in employments["employments"]}
    assert frequencies == {"612/MC70044": "CALENDAR_MONTHLY", "951/KA33120": "WEEKLY"}
    assert {e["payFrequency"] for e in employments["employments"]} <= EMPLOYMENT_FREQUENCIES
    # EMPLOYMENTS, example: employer name, address lines and postcode, payeReference.
    employer = employments["employments"][0]["employer"]
    assert {"name", "address", "payeReference"} == set(employer)
    assert "postcode" in employer["address"]
    assert "line1" in employer["address"]


async def test_a_gap_between_jobs_shows_no_pay_and_the_end_date(hmrc: Hmrc) -> None:
    ewa = person("Ewa", "Kowalska", "PW615203A", "1987-02-27")
    gap = await hmrc.income(ewa, "2025-07-01", "2025-10-05")
    assert gap == []
    params = {"matchId": await hmrc.match_id(ewa), "fromDate": "2025-06-01", "toDate": "2025-11-30"}
    employments = (
        await hmrc.http.get("/individuals/employments/paye", params=params, headers=hmrc.headers())
    ).json()
    spans = [(e.get("startDate"), e.get("endDate")) for e in employments["employments"]]
    assert spans == [("2023-07-03", "2025-06-30"), ("2025-10-06", None)]


async def test_a_late_report_is_missing_until_hmrc_receives_it() -> None:
    gwen = person("Gwen", "Evans", "HJ330598C", "1992-08-30")
    for today, expected in (
        (date(2025, 11, 5), ["2025-09-30"]),
        (date(2025, 11, 12), ["2025-09-30", "2025-10-31"]),
    ):
        transport = httpx.ASGITransport(app=make_app(today))
        async with httpx.AsyncClient(transport=transport, base_url="http://hmrc.test") as http:
            client = Hmrc(http)
            await client.sign_in()
            income = await client.income(gwen, "2025-09-01", "2025-10-31")
            assert [p["paymentDate"] for p in income] == expected


async def test_a_corrected_report_replaces_the_first_figures_once_received() -> None:
    grace = person("Grace", "O'Neill", "RK771046B", "1983-12-01")
    figures = {}
    for today in (date(2025, 10, 10), date(2025, 10, 20)):
        transport = httpx.ASGITransport(app=make_app(today))
        async with httpx.AsyncClient(transport=transport, base_url="http://hmrc.test") as http:
            client = Hmrc(http)
            await client.sign_in()
            september = [p for p in await client.income(grace, "2025-09-01", "2025-09-30")]
            figures[today] = (september[0]["taxablePay"], september[0]["taxablePayToDate"])
    assert figures[date(2025, 10, 10)] == (1200.0, 1650.0 * 5 + 1200.0)
    assert figures[date(2025, 10, 20)] == (1650.0, 1650.0 * 6)


async def test_a_person_with_no_paye_record_has_empty_lists(hmrc: Hmrc) -> None:
    harry = person("Harry", "Patel", "EM508372D", "2001-09-14")
    assert await hmrc.income(harry, "2024-04-06", "2025-11-30") == []
    params = {"matchId": await hmrc.match_id(harry), "fromDate": "2024-04-06"}
    response = await hmrc.http.get("/individuals/employments/paye", params=params, headers=hmrc.headers())
    assert response.json()["employments"] == []
    assert response.json()["_links"]["self"]["href"].startswith("/individuals/employments/paye?matchId=")


async def test_only_the_current_and_previous_six_tax_years_are_served(hmrc: Hmrc) -> None:
    # INCOME: "Data is only available for the current and previous 6 tax years."
    income = await hmrc.income(AMANDA, "2015-01-01", "2025-11-30")
    assert income[0]["paymentDate"] == "2019-04-25"  # 2019-20 is six years before 2025-26
    assert all(date.fromisoformat(p["paymentDate"]) >= date(2019, 4, 6) for p in income)


async def test_the_seeded_demo_citizen_is_known_to_hmrc_and_sarah_keeps_her_nino(hmrc: Hmrc) -> None:
    """`dwp up` seeds a citizen (`dwp.seed`): a demo claim matches HMRC by their name, NINO and date of
    birth and gets their pay, and no simulator person shares the seeded NINO (One Login's Sarah signing
    in would otherwise be held as another record's NINO)."""
    from dwp.seed import DEMO_CITIZEN
    from dwp.simulators.hmrc.people import PEOPLE

    seeded = person(
        str(DEMO_CITIZEN["given_name"]),
        str(DEMO_CITIZEN["family_name"]),
        str(DEMO_CITIZEN["national_insurance_number"]),
        str(DEMO_CITIZEN["date_of_birth"]),
    )
    income = await hmrc.income(seeded, "2025-09-01", "2025-11-30")
    assert [p["paymentDate"][:7] for p in income] == ["2025-09", "2025-10", "2025-11"]
    assert {p["payFrequency"] for p in income} == {"M1"}
    holders = [p for p in PEOPLE if p.nino == DEMO_CITIZEN["national_insurance_number"]]
    assert [(p.first_name, p.last_name) for p in holders] == [("Sam", "Demo")]
    sarah = next(p for p in PEOPLE if p.first_name == "Sarah")
    assert sarah.nino != DEMO_CITIZEN["national_insurance_number"]
