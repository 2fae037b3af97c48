"""Use cases of the benefits service: estimates (no storage), assessments (stored with inputs and
explanation, with their event, in one transaction) and the published rates."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from dwp.benefits import events
from dwp.benefits.domain import (
    Earnings,
    Household,
    InvalidCircumstances,
    Rates,
    UCResult,
    WeeklyAward,
    as_dicts,
    calculate_uc,
    new_style_esa,
    new_style_jsa,
    rates_for,
    rates_on,
)
from dwp.benefits.domain.uc import to_inputs
from dwp.benefits.repository import Assessment, AssessmentRepository
from dwp.platform.database import Database


class AssessmentNotFound(Exception):
    """No assessment with that id (or not one this caller may see)."""


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was used before for a different request."""


@dataclass(frozen=True)
class Actor:
    subject: str
    kind: str
    request_id: str | None = None


@dataclass
class BenefitsContext:
    database: Database
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class RTIPayment:
    """One payment as HMRC's Real Time Information reports it, for adult 0 or 1 of the claim."""

    adult: int
    paid_on: Any
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
    jsa_award = new_style_jsa(**jsa) if jsa is not None else None
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
        out["universal_credit"] = uc_result_view(calculate_uc(uc))
    return out


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


def _hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def assess_claim(
    ctx: BenefitsContext,
    *,
    claim_id: str,
    household: Household,
    payments: list[RTIPayment] | None,
    request_body: dict[str, Any],
    actor: Actor,
    idempotency_key: str | None,
) -> tuple[Assessment, bool]:
    """Work out and store the award for one claim's assessment period; returns it and whether this call
    created it (False when an Idempotency-Key replays an earlier request)."""
    if payments is not None:
        household = apply_rti(household, payments)
    rates = rates_on(household.period_start)
    result = calculate_uc(household, rates)
    values, _ = to_inputs(household, rates)
    now = ctx.clock()
    request_hash = _hash(request_body)
    async with ctx.database.transaction() as session:
        repo = AssessmentRepository(session)
        if idempotency_key:
            remembered = await repo.remembered(actor.subject, idempotency_key)
            if remembered is not None:
                if remembered[0] != request_hash:
                    raise IdempotencyKeyReused("This Idempotency-Key was used for a different assessment")
                existing = await repo.get(remembered[1])
                if existing is not None:
                    return existing, False
        assessment = Assessment(
            id=str(uuid.uuid4()),
            claim_id=claim_id,
            benefit="universal_credit",
            period_start=household.period_start,
            period_end=household.period_end,
            tax_year=result.tax_year,
            award_pence=result.award,
            inputs=request_body,
            kernel_inputs=values,
            amounts=result.amounts,
            explanation=as_dicts(result.explanation),
            actor=actor.subject,
            request_id=actor.request_id,
            created_at=now,
        )
        await repo.add(assessment)
        await events.benefit_assessed(session, assessment)
        if idempotency_key:
            await repo.remember(actor.subject, idempotency_key, request_hash, assessment.id, now)
    return assessment, True


async def get_assessment(ctx: BenefitsContext, *, assessment_id: str) -> Assessment:
    async with ctx.database.read() as session:
        found = await AssessmentRepository(session).get(assessment_id)
    if found is None:
        raise AssessmentNotFound("No assessment with that id")
    return found


def rates_view(rates: Rates) -> dict[str, Any]:
    return {
        "tax_year": rates.tax_year,
        "tax_year_start": rates.tax_year_start.isoformat(),
        "uprating_day": rates.uprating_day.isoformat(),
        "sources": list(rates.sources),
        "figures": {
            name: {"value": f.value, "unit": f.unit, "source": f.source}
            for name, f in sorted(rates.figures.items())
        },
    }
