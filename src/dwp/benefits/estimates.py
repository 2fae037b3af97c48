"""Estimates: what someone could get, worked out from circumstances alone (no storage, no I/O). Shared by
the API's use cases and `dwp calc`, which must not need a database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from dwp.benefits.domain import (
    Earnings,
    Household,
    InvalidCircumstances,
    UCResult,
    WeeklyAward,
    as_dicts,
    calculate_uc,
    new_style_esa,
    new_style_jsa,
    rates_for,
    rates_on,
)


@dataclass(frozen=True)
class RTIPayment:
    """One payment as HMRC's Real Time Information reports it, for adult 0 or 1 of the claim."""

    adult: int
    paid_on: date
    gross: int
    income_tax: int
    national_insurance: int
    pension: int = 0


def uc_result_view(result: UCResult) -> dict[str, Any]:
    return {
        "tax_year": result.tax_year,
        "award_pence": result.award,
        "amounts": result.amounts,
        "explanation": as_dicts(result.explanation),
    }


def weekly_view(award: WeeklyAward) -> dict[str, Any]:
    return {
        "tax_year": award.tax_year,
        "weekly_amount_pence": award.weekly_amount,
        "contribution_conditions_met": award.contribution.met,
        "contribution_tax_years": list(award.contribution.tax_years),
        "days_remaining": award.days_remaining,
        "explanation": as_dicts(award.explanation),
    }


def check_tax_year(household: Household | None, tax_year: str | None) -> None:
    """A tax year named by the caller must exist and be the one the period falls in."""
    if tax_year is None:
        return
    rates = rates_for(tax_year)
    if household is not None and rates_on(household.period_start).tax_year != rates.tax_year:
        raise InvalidCircumstances("tax_year", "the assessment period falls in another tax year")


def estimate(
    *,
    uc: Household | None,
    jsa: dict[str, Any] | None,
    esa: dict[str, Any] | None,
    tax_year: str | None = None,
) -> dict[str, Any]:
    """What someone could get: any of UC, New Style JSA and New Style ESA, each explained. New Style
    awards estimated here count in full as unearned income in the UC estimate (UC Regs 2013 reg 66)."""
    check_tax_year(uc, tax_year)
    out: dict[str, Any] = {}
    with _within("new_style_jsa"):
        jsa_award = new_style_jsa(**jsa) if jsa is not None else None
    with _within("new_style_esa"):
        esa_award = new_style_esa(**esa) if esa is not None else None
    if jsa_award is not None:
        out["new_style_jsa"] = weekly_view(jsa_award)
    if esa_award is not None:
        out["new_style_esa"] = weekly_view(esa_award)
    if uc is not None:
        if jsa_award is not None and uc.new_style_jsa_weekly == 0:
            uc = replace(uc, new_style_jsa_weekly=jsa_award.weekly_amount)
        if esa_award is not None and uc.new_style_esa_weekly == 0:
            uc = replace(uc, new_style_esa_weekly=esa_award.weekly_amount)
            # UC Regs 2013 reg 83(1)(a): receiving ESA that includes the support component exempts the
            # household from the cap; the weekly amount alone would not say so.
            support = any(line.key == "esa.support_component" for line in esa_award.explanation)
            if support and esa_award.weekly_amount > 0:
                uc = replace(uc, new_style_esa_support_component=True)
        with _within("universal_credit"):
            out["universal_credit"] = uc_result_view(calculate_uc(uc))
    return out


@contextmanager
def _within(section: str) -> Iterator[None]:
    """Name a rule's field by the part of the request it came from (`new_style_esa.date_of_birth`)."""
    try:
        yield
    except InvalidCircumstances as exc:
        raise InvalidCircumstances(f"{section}.{exc.field}", exc.message) from exc


def apply_rti(household: Household, payments: list[RTIPayment]) -> Household:
    """Earnings as UC counts them: the RTI payments received in the assessment period (reg 54, 61)."""
    adults = list(household.adults)
    totals = [[0, 0, 0, 0] for _ in adults]
    for i, p in enumerate(payments):
        if p.adult >= len(adults):
            raise InvalidCircumstances(f"hmrc_earnings[{i}].adult", "names an adult not in the claim")
        if not household.period_start <= p.paid_on <= household.period_end:
            raise InvalidCircumstances(f"hmrc_earnings[{i}].paid_on", "is outside the assessment period")
        t = totals[p.adult]
        t[0] += p.gross
        t[1] += p.income_tax
        t[2] += p.national_insurance
        t[3] += p.pension
    adults = [
        replace(a, earnings=Earnings(gross=t[0], income_tax=t[1], national_insurance=t[2], pension=t[3]))
        for a, t in zip(adults, totals, strict=True)
    ]
    return replace(household, adults=tuple(adults), gross_estimate=False)
