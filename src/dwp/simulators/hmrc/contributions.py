"""HMRC's National Insurance Contribution and Credits API (the NICC interface HMRC offers DWP), as
published in github.com/hmrc/national-insurance-contribution-and-credits-api,
`resources/public/api/conf/1.0/application.yaml`:

`POST /misc/national-insurance-contributions-and-credits/contribution-and-credits` with
`{"startTaxYear", "endTaxYear", "dateOfBirth", "nationalInsuranceNumber", "customerCorrelationID"?}`
(no other members), an application-restricted token with the scope `write:protect-connect`, and a
`correlationId` header; the answer is `{"niClass1": [...], "niClass2": [...]}`. Refusals are
`{"failures": [{"reason", "code"}]}`: 400 `BAD_REQUEST`, and 422 with the published codes 63496 (start
after end), 63497 (start before 1975), 63498 and 63499 (start or end after the current tax year less
one), 63500 (a range of more than six years); 403 `{"reason": "Forbidden", "code": "FORBIDDEN"}`; 404
when no record has that NINO and date of birth.

Each test person's Class 1 record is worked out from the pay the simulator reports (`payroll`): per tax
year, the earnings factor is the pay between the lower and upper earnings limits of each pay period
(nothing for a period paid below the lower limit), and the primary contribution is the employee's
NICs. Credits (`CR1`) are the simulator's own: a person may be given credited years (`CREDITS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from dwp.simulators.hmrc.payroll import Payment, tax_year_start

PATH = "/misc/national-insurance-contributions-and-credits/contribution-and-credits"
SCOPE = "write:protect-connect"
ACCEPT = "application/vnd.hmrc.1.0+json"
REQUEST_FIELDS = frozenset({"startTaxYear", "endTaxYear", "dateOfBirth", "nationalInsuranceNumber",
                            "customerCorrelationID"})  # fmt: skip
# The published nationalInsuranceNumber pattern (suffix optional).
NINO = re.compile(
    r"^([ACEHJLMOPRSWXY][A-CEGHJ-NPR-TW-Z]|B[A-CEHJ-NPR-TW-Z]|G[ACEGHJ-NPR-TW-Z]|[KT][A-CEGHJ-MPR-TW-Z]"
    r"|N[A-CEGHJL-NPR-SW-Z]|Z[A-CEGHJ-NPR-TW-Y])[0-9]{6}[A-D]{0,1}$"
)
YEAR = re.compile(r"^[0-9]{4}$")
MAX_YEARS = 6

# Class 1 lower and upper earnings limits, pence per week and per month, by the year a tax year starts
# (HMRC "Rates and thresholds for employers"). A year after the last known uses the last known.
LIMITS: dict[int, tuple[int, int, int, int]] = {
    2019: (11_800, 51_200, 96_200, 416_700),
    2020: (12_000, 52_000, 96_200, 416_700),
    2021: (12_000, 52_000, 96_700, 418_900),
    2022: (12_300, 53_300, 96_700, 418_900),
    2023: (12_300, 53_300, 96_700, 418_900),
    2024: (12_300, 53_300, 96_700, 418_900),
    2025: (12_500, 54_200, 96_700, 418_900),
}
WEEKS = {"W1": 1, "W2": 2, "W4": 4}

CREDITS: dict[str, dict[int, int]] = {
    # Ewa Kowalska claimed JSA between her jobs: 14 weeks of Class 1 credits in 2025-26.
    "PW615203A": {2025: 14},
}
"""Weeks of Class 1 credits by NINO and tax year (credited at the lower earnings limit)."""


class Refused(Exception):
    def __init__(self, status: int, reason: str, code: str) -> None:
        super().__init__(reason)
        self.status, self.reason, self.code = status, reason, code

    def body(self) -> dict[str, object]:
        if self.status == 403:
            return {"reason": self.reason, "code": self.code}
        return {"failures": [{"reason": self.reason, "code": self.code}]}


def tax_years(body: dict[str, object], today: date) -> tuple[int, int]:
    """The request's tax year range, checked as the published interface checks it."""
    if set(body) - REQUEST_FIELDS or not {"startTaxYear", "endTaxYear", "dateOfBirth",
                                          "nationalInsuranceNumber"} <= set(body):  # fmt: skip
        raise Refused(400, "Bad request", "BAD_REQUEST")
    start, end, nino, born = (
        str(body[k]) if isinstance(body[k], str) else ""
        for k in ("startTaxYear", "endTaxYear", "nationalInsuranceNumber", "dateOfBirth")
    )
    if not (YEAR.fullmatch(start) and YEAR.fullmatch(end) and NINO.fullmatch(nino)):
        raise Refused(400, "Bad request", "BAD_REQUEST")
    try:
        date.fromisoformat(born)
    except ValueError:
        raise Refused(400, "Bad request", "BAD_REQUEST") from None
    first, last = int(start), int(end)
    latest = tax_year_start(today).year - 1  # "CY-1": the tax year before the current one
    if first > last:
        raise Refused(422, "Start tax year after end tax year", "63496")
    if first < 1975:
        raise Refused(422, "Start tax year before 1975", "63497")
    if first > latest:
        raise Refused(422, "Start tax year after CY-1", "63498")
    if last > latest:
        raise Refused(422, "End tax year after CY-1", "63499")
    if last - first + 1 > MAX_YEARS:
        raise Refused(422, "Tax year range greater than six years", "63500")
    return first, last


def _limits(year: int) -> tuple[int, int, int, int]:
    known = [y for y in LIMITS if y <= year]
    return LIMITS[max(known)] if known else LIMITS[min(LIMITS)]


def _earnings_factor(payment: Payment) -> int:
    lel_week, lel_month, uel_week, uel_month = _limits(tax_year_start(payment.payday).year)
    frequency = payment.employment.frequency
    if frequency == "M1":
        lower, upper = lel_month, uel_month
    else:
        weeks = WEEKS.get(frequency, 1)
        lower, upper = lel_week * weeks, uel_week * weeks
    return 0 if payment.taxable_pay < lower else min(payment.taxable_pay, upper)


def _pounds(pence: int) -> float:
    return round(pence / 100, 2)


def class1(nino: str, paid: Iterable[Payment], first: int, last: int) -> list[dict[str, object]]:
    """`niClass1`: a contribution record (`C1`) per tax year with pay, and a credit record (`CR1`) per
    year with credits, in the published shape."""
    factor: dict[int, int] = {}
    contribution: dict[int, int] = {}
    for p in paid:
        year = tax_year_start(p.payday).year
        if first <= year <= last:
            factor[year] = factor.get(year, 0) + _earnings_factor(p)
            contribution[year] = contribution.get(year, 0) + p.employee_nics
    records: list[dict[str, object]] = []
    for year in range(first, last + 1):
        if year in factor:
            records.append({
                "taxYear": year, "niContributionCategory": "A", "niContributionCategoryName": "STANDARD RATE",
                "niContributionType": "C1", "totalPrimaryContribution": _pounds(contribution[year]),
                "contributionStatus": "VALID", "totalEarningsFactor": _pounds(factor[year]),
            })  # fmt: skip
        weeks = CREDITS.get(nino, {}).get(year, 0)
        if weeks:
            records.append({
                "taxYear": year, "niContributionCategory": "A", "niContributionCategoryName": "STANDARD RATE",
                "niContributionType": "CR1", "totalPrimaryContribution": 0.0, "contributionStatus": "VALID",
                "totalEarningsFactor": _pounds(weeks * _limits(year)[0]),
            })  # fmt: skip
    return records
