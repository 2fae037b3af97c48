"""HMRC simulator: OAuth 2.0 client credentials, Individuals Matching, Employments and Income (PAYE).

It follows HMRC's published API definitions (github.com/hmrc, `resources/public/api/conf/2.0`):
- Individuals Matching 2.0: `POST /individuals/matching/` with firstName, lastName, nino and
  dateOfBirth; a match gives `_links.individual.href` = `/individuals/matching/{matchId}`; no match is
  404 MATCHING_FAILED. `GET /individuals/matching/{matchId}` gives the links and the individual.
- Individuals Employments 2.0: `GET /individuals/employments/paye?matchId&fromDate&toDate`.
- Individuals Income 2.0: `GET /individuals/income/paye?matchId&fromDate&toDate`, one entry per
  reported payment (RTI), with year-to-date figures.
- National Insurance Contribution and Credits 1.0: the Class 1 record for a range of tax years
  (`contributions`, with its own scope, Accept and error shapes).
Every API call needs `Accept: application/vnd.hmrc.2.0+json`, a `CorrelationId` UUID and a bearer
token from `POST /oauth/token` (client credentials) carrying the scope the endpoint needs. Errors are
HMRC's `{"code", "message"}` documents with the API platform's codes.

`today` (the simulator's clock) decides what HMRC has received: tests pass a fixed date.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from dwp.simulators.control import control_allowed, control_problem, json_error_body, mount_control, refusal
from dwp.simulators.hmrc import contributions
from dwp.simulators.hmrc.payroll import (
    EMPLOYMENTS_FREQUENCY,
    Payment,
    Person,
    employed_between,
    payments,
    tax_year_start,
)
from dwp.simulators.hmrc.people import PEOPLE
from dwp.simulators.oidc import ExpiringStore, FormError, random_token, read_form

ACCEPT = "application/vnd.hmrc.2.0+json"
TOKEN_LIFETIME = 14_400  # four hours, as HMRC's application-restricted tokens
MATCH_LIFETIME = 6 * 3600  # "a short-lived UUID, typically valid for several hours"
SCOPES = (
    "read:individuals-matching",
    "read:individuals-employments",
    "read:individuals-income",
    contributions.SCOPE,
)
LOCAL_CLIENT_ID = "dwp-integrations-local"
LOCAL_CLIENT_SECRET = "local-hmrc-secret"  # noqa: S105 - the simulator's own local default
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NAME_PATTERN = re.compile(r"^[a-zA-Z `\-'^]{1,35}$")
# HMRC NIM39110: two prefix letters (not D, F, I, Q, U, V; O not second; BG, GB, KN, NK, NT, TN and ZZ
# are never allocated), six digits and a suffix A to D.
NINO_PATTERN = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")


def hmrc_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def _platform_fault(status: int) -> dict[str, str]:
    if status == 429:
        return {
            "code": "MESSAGE_THROTTLED_OUT",
            "message": "The request for the API is throttled as you have exceeded your quota.",
        }
    if status == 503:
        return {"code": "SERVER_ERROR", "message": "Service unavailable"}
    return {"code": "INTERNAL_SERVER_ERROR", "message": "Something went wrong."}


def _pounds(pence: int) -> float:
    return round(pence / 100, 2)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def create_app(
    *,
    people: tuple[Person, ...] = PEOPLE,
    clients: dict[str, tuple[str, tuple[str, ...]]] | None = None,
    today: Callable[[], date] = date.today,
) -> FastAPI:
    """`clients` maps a client id to its secret and assigned scopes."""
    registered = clients or {
        os.environ.get("DWP_HMRC_CLIENT_ID", LOCAL_CLIENT_ID): (
            os.environ.get("DWP_HMRC_CLIENT_SECRET", LOCAL_CLIENT_SECRET),
            SCOPES,
        )
    }
    by_nino = {p.nino: p for p in people}
    tokens: ExpiringStore[tuple[str, frozenset[str]]] = ExpiringStore(ttl_seconds=TOKEN_LIFETIME)
    matches: ExpiringStore[Person] = ExpiringStore(ttl_seconds=MATCH_LIFETIME)
    held: dict[tuple[str, date], list[Payment]] = {}

    def reported(person: Person) -> list[Payment]:
        """What HMRC holds for the person today (computed once a day per person)."""
        key = (person.nino, today())
        if key not in held:
            if len(held) > 1000:
                held.clear()
            held[key] = payments(person, as_at=key[1])
        return held[key]

    app = FastAPI(title="HMRC simulator", docs_url=None, redoc_url=None, openapi_url=None)

    def revoke() -> int:
        return tokens.remove_where(lambda _: True)

    mount_control(app, error_body=json_error_body(_platform_fault), revoke_tokens=revoke)

    @app.put("/_simulator/clients/{client_id}", include_in_schema=False)
    async def new_client_secret(client_id: str, request: Request) -> JSONResponse:
        """A new client secret for an application, as the Developer Hub gives one ("generate a client
        secret"); the old one stops working at once, tokens already issued live on to their expiry."""
        if not control_allowed():
            return refusal()
        try:
            body = json.loads(await request.body())
            secret = body["client_secret"]
            if not isinstance(secret, str) or not 16 <= len(secret) <= 200:
                raise ValueError("client_secret: 16 to 200 characters")
        except (ValueError, KeyError, TypeError) as exc:
            return control_problem(400, "Not a client secret", str(exc)[:200])
        scopes = registered[client_id][1] if client_id in registered else SCOPES
        registered[client_id] = (secret, scopes)
        return JSONResponse({"client_id": client_id})

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        try:
            form = await read_form(request)
        except FormError as exc:
            return JSONResponse({"error": "invalid_request", "error_description": str(exc)}, status_code=400)
        if form.get("grant_type") != "client_credentials":
            return JSONResponse(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
                status_code=400,
            )
        client = registered.get(form.get("client_id", ""))
        secret = form.get("client_secret", "")
        if client is None or not hmac.compare_digest(secret.encode(), client[0].encode()):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "invalid client id or secret"},
                status_code=401,
            )
        asked = set(form.get("scope", "").split()) or set(client[1])
        if not asked <= set(client[1]):
            return JSONResponse(
                {"error": "invalid_scope", "error_description": "The requested scope is invalid"},
                status_code=400,
            )
        access_token = random_token(24)
        tokens.put(access_token, (form["client_id"], frozenset(asked)))
        return JSONResponse(
            {
                "access_token": access_token,
                "scope": " ".join(sorted(asked)),
                "expires_in": TOKEN_LIFETIME,
                "token_type": "bearer",
            },
            headers={"Cache-Control": "no-store"},
        )

    def gate(request: Request, scope: str) -> None:
        """The API platform's checks, in its order: credentials, scope, Accept header, CorrelationId."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if not value:
            raise ApiError(401, "MISSING_CREDENTIALS", "Authentication information is not provided")
        grant = tokens.get(value) if scheme.lower() == "bearer" else None
        if grant is None:
            raise ApiError(401, "INVALID_CREDENTIALS", "Invalid Authentication information provided")
        if scope not in grant[1]:
            raise ApiError(
                403,
                "INVALID_SCOPE",
                "Cannot access the required resource. Ensure this token has all the required scopes.",
            )
        if request.headers.get("accept", "").split(";")[0].strip() != ACCEPT:
            raise ApiError(406, "ACCEPT_HEADER_INVALID", "The accept header is missing or invalid")
        correlation = request.headers.get("correlationid", "")
        if not correlation:
            raise ApiError(400, "INVALID_REQUEST", "CorrelationId is required")
        if not UUID_PATTERN.match(correlation):
            raise ApiError(400, "INVALID_REQUEST", "Malformed CorrelationId")

    def answer(request: Request, body: dict[str, Any]) -> JSONResponse:
        return JSONResponse(body, headers={"CorrelationId": request.headers.get("correlationid", "")})

    async def guarded(request: Request, scope: str, handler: Callable[[], Any]) -> JSONResponse:
        try:
            gate(request, scope)
            return answer(request, await handler())
        except ApiError as exc:
            return hmrc_error(exc.status, exc.code, exc.message)

    @app.post("/individuals/matching/")
    @app.post("/individuals/matching")
    async def match(request: Request) -> JSONResponse:
        async def handle() -> dict[str, Any]:
            person = _match(await _json(request), by_nino)
            match_id = str(uuid.uuid4())
            matches.put(match_id, person)
            return {
                "_links": {
                    "individual": {
                        "href": f"/individuals/matching/{match_id}",
                        "name": "GET",
                        "title": "Get a matched individual\u2019s information",
                    },
                    "self": {"href": "/individuals/matching/"},
                }
            }

        return await guarded(request, "read:individuals-matching", handle)

    def matched(match_id: str | None) -> tuple[str, Person]:
        if not match_id:
            raise ApiError(400, "INVALID_REQUEST", "matchId is required")
        person = matches.get(match_id) if UUID_PATTERN.match(match_id) else None
        if person is None:
            raise ApiError(404, "NOT_FOUND", "The resource can not be found")
        return match_id, person

    @app.get("/individuals/matching/{match_id}")
    async def matched_individual(match_id: str, request: Request) -> JSONResponse:
        async def handle() -> dict[str, Any]:
            _, person = matched(match_id)
            query = f"?matchId={match_id}"
            links = {
                "income": {
                    "href": f"/individuals/income/{query}",
                    "name": "GET",
                    "title": "Get the individual's income data",
                },
                "employments": {
                    "href": f"/individuals/employments/{query}",
                    "name": "GET",
                    "title": "Get the individual's employment data",
                },
                "self": {"href": f"/individuals/matching/{match_id}"},
            }
            individual = {
                "firstName": person.first_name,
                "lastName": person.last_name,
                "nino": person.nino,
                "dateOfBirth": person.date_of_birth.isoformat(),
            }
            return {"_links": links, "individual": individual}

        return await guarded(request, "read:individuals-matching", handle)

    def window(request: Request) -> tuple[str, Person, date, date]:
        match_id, person = matched(request.query_params.get("matchId"))
        start = _required_date(request.query_params.get("fromDate"), "fromDate")
        end = _date(request.query_params.get("toDate"), "toDate", required=False) or today()
        if start > end:
            raise ApiError(400, "INVALID_REQUEST", "Invalid time period requested")
        # "Data is only available for the current and previous 6 tax years": older payments are not served.
        earliest = tax_year_start(today()).replace(year=tax_year_start(today()).year - 6)
        return match_id, person, max(start, earliest), end

    def self_link(path: str, match_id: str, request: Request) -> dict[str, Any]:
        href = f"{path}?matchId={match_id}&fromDate={request.query_params['fromDate']}"
        if request.query_params.get("toDate"):
            href += f"&toDate={request.query_params['toDate']}"
        return {"self": {"href": href}}

    @app.get("/individuals/employments/paye")
    async def employments(request: Request) -> JSONResponse:
        async def handle() -> dict[str, Any]:
            match_id, person, start, end = window(request)
            payref = request.query_params.get("employerPayeRef")
            as_at = today()
            listed = []
            for employment in person.employments:
                if payref and employment.employer.paye_reference != payref:
                    continue
                if not employed_between(employment, start, end, as_at):
                    continue
                employer = employment.employer
                address = {f"line{i + 1}": line for i, line in enumerate(employer.address)}
                paid = [p for p in reported(person) if p.employment is employment]
                entry: dict[str, Any] = {"startDate": employment.start.isoformat()}
                if employment.end and employment.end <= as_at:
                    entry["endDate"] = employment.end.isoformat()
                entry |= {
                    "payFrequency": EMPLOYMENTS_FREQUENCY[employment.frequency],
                    "employer": {
                        "name": employer.name,
                        "address": address | {"postcode": employer.postcode},
                        "payeReference": employer.paye_reference,
                    },
                    "payment": [
                        {"date": p.payday.isoformat(), "paidTaxablePay": _pounds(p.taxable_pay)}
                        for p in paid
                        if start <= p.payday <= end
                    ],
                }
                listed.append(entry)
            return {
                "_links": self_link("/individuals/employments/paye", match_id, request),
                "employments": listed,
            }

        return await guarded(request, "read:individuals-employments", handle)

    @app.get("/individuals/income/paye")
    async def income(request: Request) -> JSONResponse:
        async def handle() -> dict[str, Any]:
            match_id, person, start, end = window(request)
            found = [p for p in reported(person) if start <= p.payday <= end]
            return {
                "_links": self_link("/individuals/income/paye", match_id, request),
                "paye": {"income": [_income_entry(p, person) for p in found]},
            }

        return await guarded(request, "read:individuals-income", handle)

    @app.post(contributions.PATH)
    async def contributions_and_credits(request: Request) -> JSONResponse:
        """The NICC interface (`contributions`): the Class 1 and Class 2 record for a range of years."""
        correlation = {"correlationId": request.headers.get("correlationid", "")}
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        grant = tokens.get(value) if scheme.lower() == "bearer" and value else None
        try:
            if grant is None or contributions.SCOPE not in grant[1]:
                raise contributions.Refused(403, "Forbidden", "FORBIDDEN")
            try:
                body = await request.json()
            except ValueError:
                raise contributions.Refused(400, "Bad request", "BAD_REQUEST") from None
            if not isinstance(body, dict):
                raise contributions.Refused(400, "Bad request", "BAD_REQUEST")
            first, last = contributions.tax_years(body, today())
            person = by_nino.get(str(body["nationalInsuranceNumber"])[:9])
            if person is None or person.date_of_birth.isoformat() != body["dateOfBirth"]:
                raise contributions.Refused(404, "Not found", "NOT_FOUND")
        except contributions.Refused as exc:
            return JSONResponse(exc.body(), status_code=exc.status, headers=correlation)
        answer = {
            "niClass1": contributions.class1(person.nino, reported(person), first, last),
            "niClass2": [],
        }
        return JSONResponse(answer, headers=correlation)

    @app.get("/health/live")
    @app.get("/health/ready")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "INVALID_REQUEST", "Malformed JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_REQUEST", "The request body must be a JSON object")
    return body


def _match(body: dict[str, Any], by_nino: dict[str, Person]) -> Person:
    """HMRC's match criteria: first letter of firstName, first three of lastName, nino and dateOfBirth."""
    fields = {}
    for name in ("firstName", "lastName", "nino", "dateOfBirth"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise ApiError(400, "INVALID_REQUEST", f"{name} is required")
        fields[name] = value
    for name in ("firstName", "lastName"):
        if not NAME_PATTERN.match(fields[name]):
            raise ApiError(400, "INVALID_REQUEST", f"Malformed {name}")
    nino = fields["nino"].replace(" ", "").upper()
    if not NINO_PATTERN.match(nino):
        raise ApiError(400, "INVALID_REQUEST", "Malformed nino submitted")
    birth = _required_date(fields["dateOfBirth"], "dateOfBirth")
    person = by_nino.get(nino)
    if (
        person is None
        or person.date_of_birth != birth
        or person.first_name[:1].upper() != fields["firstName"][:1].upper()
        or person.last_name[:3].upper() != fields["lastName"][:3].upper()
    ):
        raise ApiError(404, "MATCHING_FAILED", "There is no match for the information provided")
    return person


def _required_date(raw: str | None, name: str) -> date:
    found = _date(raw, name, required=True)
    assert found is not None  # _date raises for a missing required date
    return found


def _date(raw: str | None, name: str, *, required: bool) -> date | None:
    if not raw:
        if required:
            raise ApiError(400, "INVALID_REQUEST", f"{name} is required")
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "INVALID_REQUEST", f"{name}: invalid date format") from None


def _income_entry(payment: Payment, person: Person) -> dict[str, Any]:
    employment = payment.employment
    entry: dict[str, Any] = {
        "employerPayeReference": employment.employer.paye_reference,
        "taxYear": payment.tax_year,
        "employee": {"hasPartner": person.has_partner},
        "payroll": {"id": employment.payroll_id},
        "payFrequency": employment.frequency,
    }
    if payment.week_number is not None:
        entry["weekPayNumber"] = payment.week_number
    if payment.month_number is not None:
        entry["monthPayNumber"] = payment.month_number
    return entry | {
        "paymentDate": payment.payday.isoformat(),
        "paidHoursWorked": employment.hours,
        "taxCode": "1257L",
        "taxablePayToDate": _pounds(payment.taxable_pay_to_date),
        "taxablePay": _pounds(payment.taxable_pay),
        "totalTaxToDate": _pounds(payment.tax_to_date),
        "taxDeductedOrRefunded": _pounds(payment.tax),
        "grossEarningsForNICs": {"inPayPeriod1": _pounds(payment.taxable_pay)},
        "employeeNICs": {
            "inPayPeriod1": _pounds(payment.employee_nics),
            "ytd1": _pounds(payment.employee_nics_to_date),
        },
    }
