"""HMRC's view of a person's PAYE: employments, and the payments their employers reported through RTI.

Plain data and rules, no HTTP. An employer reports each payment in a Full Payment Submission on or
before the day it pays; a late FPS arrives after payday, and a correction replaces what an earlier FPS
said. HMRC's APIs show only what HMRC has received, so every figure here is computed "as at" a date:
a payment reported late is missing before its report arrives, and a corrected period shows the first
figures until the correction arrives and the corrected ones (with year-to-date totals recomputed)
after. Money is integer pence throughout; the API layer writes pounds, as HMRC's APIs do.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

Frequency = Literal["W1", "W2", "W4", "M1"]
PERIODS_PER_YEAR = {"W1": 52, "W2": 26, "W4": 13, "M1": 12}
STEP_DAYS = {"W1": 7, "W2": 14, "W4": 28}
EMPLOYMENTS_FREQUENCY = {"W1": "WEEKLY", "W2": "FORTNIGHTLY", "W4": "FOUR_WEEKLY", "M1": "CALENDAR_MONTHLY"}

PERSONAL_ALLOWANCE = 1_257_000  # 1257L, pence a year
BASIC_RATE_BAND = 3_770_000
PRIMARY_THRESHOLD = 1_257_000  # employee class 1 NICs, pence a year
UPPER_EARNINGS_LIMIT = 5_027_000


@dataclass(frozen=True)
class Employer:
    name: str
    paye_reference: str
    address: tuple[str, ...]
    postcode: str


@dataclass(frozen=True)
class Correction:
    """A period first reported with other figures, put right by a later FPS."""

    first_reported_pence: int
    corrected_on: date
    """The day HMRC received the correcting FPS; the employment's usual figures are the corrected ones."""


@dataclass(frozen=True)
class Employment:
    employer: Employer
    frequency: Frequency
    start: date
    first_payday: date
    gross_pence: int
    """Usual gross pay a period; each period varies by up to `variation_pence` either way (overtime)."""
    end: date | None = None
    variation_pence: int = 0
    payroll_id: str = "PR0001"
    hours: str = "37.5"
    late: dict[date, date] = field(default_factory=dict)
    """Payday -> the day HMRC received its FPS, for payments reported after payday."""
    corrections: dict[date, Correction] = field(default_factory=dict)
    """Payday -> what was first reported for it and when the correction arrived."""


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    nino: str
    date_of_birth: date
    employments: tuple[Employment, ...] = ()
    has_partner: bool = False


@dataclass(frozen=True)
class Payment:
    """One reported payment as HMRC holds it on the `as_at` date."""

    employment: Employment
    payday: date
    tax_year: str
    week_number: int | None
    month_number: int | None
    taxable_pay: int
    taxable_pay_to_date: int
    tax: int
    tax_to_date: int
    employee_nics: int
    employee_nics_to_date: int


def tax_year_start(day: date) -> date:
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


def tax_year_label(day: date) -> str:
    start = tax_year_start(day).year
    return f"{start}-{(start + 1) % 100:02d}"


def tax_week(day: date) -> int:
    return (day - tax_year_start(day)).days // 7 + 1


def tax_month(day: date) -> int:
    """Month 1 runs from 6 April to 5 May."""
    start = tax_year_start(day)
    months = (day.year - start.year) * 12 + day.month - 4
    return months + (1 if day.day >= 6 else 0)


def paydays(employment: Employment, until: date) -> list[date]:
    """Every payday from the first to the end of the employment (or `until`), in order."""
    last = min(employment.end, until) if employment.end else until
    days: list[date] = []
    if employment.frequency == "M1":
        year, month, dom = (
            employment.first_payday.year,
            employment.first_payday.month,
            employment.first_payday.day,
        )
        while True:
            day = _working_day(date(year, month, min(dom, calendar.monthrange(year, month)[1])))
            if day > last:
                break
            days.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        day = employment.first_payday
        while day <= last:
            days.append(day)
            day += timedelta(days=STEP_DAYS[employment.frequency])
    return days


def _working_day(day: date) -> date:
    """Employers pay on the last working day before a weekend payday."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _usual_gross(employment: Employment, person: Person, payday: date) -> int:
    if not employment.variation_pence:
        return employment.gross_pence
    digest = hashlib.sha256(f"{person.nino}{employment.employer.paye_reference}{payday}".encode()).digest()
    spread = int.from_bytes(digest[:4], "big") % (2 * employment.variation_pence + 1)
    return employment.gross_pence - employment.variation_pence + spread


def reported_on(employment: Employment, payday: date) -> date:
    return employment.late.get(payday, payday)


def payments(person: Person, *, as_at: date) -> list[Payment]:
    """What HMRC holds for the person on `as_at`: reported payments with year-to-date figures."""
    found: list[Payment] = []
    for employment in person.employments:
        ytd_pay = ytd_tax = ytd_nics = 0
        year = ""
        for payday in paydays(employment, as_at):
            if reported_on(employment, payday) > as_at:
                continue  # HMRC has not received this FPS yet
            gross = _usual_gross(employment, person, payday)
            correction = employment.corrections.get(payday)
            if correction is not None and correction.corrected_on > as_at:
                gross = correction.first_reported_pence
            if tax_year_label(payday) != year:
                year, ytd_pay, ytd_tax, ytd_nics = tax_year_label(payday), 0, 0, 0
            periods = PERIODS_PER_YEAR[employment.frequency]
            number = tax_month(payday) if employment.frequency == "M1" else tax_week(payday)
            fraction = number / 12 if employment.frequency == "M1" else min(number, 52) / 52
            ytd_pay += gross
            tax_now = _cumulative_tax(ytd_pay, fraction)
            tax = tax_now - ytd_tax
            nics = _period_nics(gross, periods)
            ytd_tax, ytd_nics = tax_now, ytd_nics + nics
            found.append(
                Payment(
                    employment=employment,
                    payday=payday,
                    tax_year=year,
                    week_number=None if employment.frequency == "M1" else number,
                    month_number=number if employment.frequency == "M1" else None,
                    taxable_pay=gross,
                    taxable_pay_to_date=ytd_pay,
                    tax=tax,
                    tax_to_date=ytd_tax,
                    employee_nics=nics,
                    employee_nics_to_date=ytd_nics,
                )
            )
    return sorted(found, key=lambda p: (p.payday, p.employment.employer.paye_reference))


def _cumulative_tax(pay_to_date: int, fraction: float) -> int:
    """PAYE on the cumulative basis for tax code 1257L: free pay and the basic band to date."""
    taxable = max(0, pay_to_date - int(PERSONAL_ALLOWANCE * fraction))
    basic_band = int(BASIC_RATE_BAND * fraction)
    return int(min(taxable, basic_band) * 0.20 + max(0, taxable - basic_band) * 0.40)


def _period_nics(gross: int, periods: int) -> int:
    threshold, upper = PRIMARY_THRESHOLD // periods, UPPER_EARNINGS_LIMIT // periods
    return int(max(0, min(gross, upper) - threshold) * 0.08 + max(0, gross - upper) * 0.02)


def employed_between(employment: Employment, start: date, end: date, as_at: date) -> bool:
    """Whether the employment, as HMRC knows it on `as_at`, overlaps the inclusive range."""
    if employment.start > as_at:
        return False
    finished = employment.end or as_at
    return employment.start <= end and finished >= start
