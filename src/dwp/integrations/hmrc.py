"""HMRC's Individuals APIs (2.0): match a person, then read their PAYE employments and income.

Matching is a POST that changes nothing (it hands out a short-lived match id), so it is marked safe to
retry. Income gives one entry per RTI payment; Employments gives the employers' names, which Income
leaves out. Amounts are pounds as JSON numbers, read as Decimal and turned into pence.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from dwp.contracts.integrations import EarningsPayment, NiYear
from dwp.integrations.domain import NotMatched, ProviderRefused, pence
from dwp.platform.http import ResilientClient, UpstreamBadResponse, UpstreamRejected

ACCEPT = "application/vnd.hmrc.2.0+json"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
SCOPES = (
    "read:individuals-matching",
    "read:individuals-employments",
    "read:individuals-income",
    "write:protect-connect",  # the National Insurance Contribution and Credits interface
)
NICC_PATH = "/misc/national-insurance-contributions-and-credits/contribution-and-credits"
NICC_ACCEPT = "application/vnd.hmrc.1.0+json"
PAID_TYPES = frozenset({"C1"})
"""`niContributionType` of Class 1 contributions paid; any other type of a Class 1 record is a credit."""


class Hmrc:
    def __init__(self, client: ResilientClient) -> None:
        self._client = client

    def _headers(self) -> dict[str, str]:
        return {"Accept": ACCEPT, "CorrelationId": str(uuid.uuid4())}

    async def _json(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(method, path, headers=self._headers(), **options)
        except UpstreamRejected as exc:
            code = (exc.problem or {}).get("code")
            if exc.status == 404 and code == "MATCHING_FAILED":
                raise NotMatched("HMRC holds no record matching that NINO, name and date of birth") from None
            raise ProviderRefused(f"HMRC refused the request: {exc.status} {code or ''}".strip()) from None
        try:
            body = response.json(parse_float=Decimal)
        except ValueError:
            raise self._broken(method, path, "the answer is not JSON") from None
        if not isinstance(body, dict):
            raise self._broken(method, path, "the answer is not a JSON object")
        return body

    def _broken(self, method: str, path: str, detail: str) -> UpstreamBadResponse:
        return UpstreamBadResponse(detail, upstream=self._client.upstream, method=method, path=path)

    async def match(self, nino: str, given_name: str, family_name: str, born: date) -> str:
        body = {
            "firstName": given_name,
            "lastName": family_name,
            "nino": nino,
            "dateOfBirth": born.isoformat(),
        }
        answer = await self._json("POST", "/individuals/matching/", json=body, idempotent=True)
        try:
            href = answer["_links"]["individual"]["href"]
            match_id = str(href).rstrip("/").rsplit("/", 1)[1]
            uuid.UUID(match_id)
        except (KeyError, TypeError, IndexError, ValueError):
            raise self._broken("POST", "/individuals/matching/", "no match id in the answer") from None
        return match_id

    async def payments(self, match_id: str, start: date, end: date) -> list[EarningsPayment]:
        window = {"matchId": match_id, "fromDate": start.isoformat(), "toDate": end.isoformat()}
        employments = await self._json("GET", "/individuals/employments/paye", params=window)
        income = await self._json("GET", "/individuals/income/paye", params=window)
        try:
            names = {
                e["employer"]["payeReference"]: e["employer"].get("name")
                for e in employments.get("employments", [])
            }
            return [_payment(entry, names) for entry in income["paye"]["income"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise self._broken("GET", "/individuals/income/paye", f"unexpected shape: {exc}") from None

    async def ni_record(self, nino: str, born: date, first: int, last: int) -> list[NiYear]:
        """The Class 1 record per tax year (HMRC's NICC interface: earnings factor of contributions paid
        and of credits, pounds as numbers); a year with nothing is left out."""
        body = {
            "startTaxYear": str(first),
            "endTaxYear": str(last),
            "dateOfBirth": born.isoformat(),
            "nationalInsuranceNumber": nino,
        }
        headers = {"Accept": NICC_ACCEPT, "correlationId": str(uuid.uuid4())}
        try:
            # Reading a record changes nothing: safe to send again.
            response = await self._client.request(
                "POST", NICC_PATH, json=body, headers=headers, idempotent=True
            )
        except UpstreamRejected as exc:
            if exc.status == 404:
                raise NotMatched(
                    "HMRC holds no National Insurance record for that NINO and date of birth"
                ) from None
            raise ProviderRefused(f"HMRC refused the request: {exc.status}") from None
        try:
            answer = response.json(parse_float=Decimal)
            years: dict[int, list[int]] = {}
            for entry in answer.get("niClass1") or []:
                year = int(entry["taxYear"])
                amounts = years.setdefault(year, [0, 0])
                amounts[0 if entry.get("niContributionType") in PAID_TYPES else 1] += pence(
                    entry.get("totalEarningsFactor", 0)
                )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._broken("POST", NICC_PATH, f"unexpected shape: {exc}") from None
        return [
            NiYear(tax_year=f"{y}-{(y + 1) % 100:02d}", paid_earnings=paid, credited_earnings=credited)
            for y, (paid, credited) in sorted(years.items())
        ]


def _payment(entry: dict[str, Any], names: dict[str, str | None]) -> EarningsPayment:
    reference = entry["employerPayeReference"]
    return EarningsPayment(
        employer_name=names.get(reference),
        employer_paye_reference=reference,
        paid_on=date.fromisoformat(entry["paymentDate"]),
        gross=pence(entry["taxablePay"]),
        income_tax=pence(entry.get("taxDeductedOrRefunded", 0)),
        national_insurance=pence((entry.get("employeeNICs") or {}).get("inPayPeriod1", 0)),
        tax_year=entry["taxYear"],
        pay_frequency=entry.get("payFrequency"),
    )
