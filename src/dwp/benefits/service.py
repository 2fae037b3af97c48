"""Use cases of the benefits service: estimates (no storage), assessments (stored with inputs and
explanation, with their event, in one transaction) and the published rates."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dwp.benefits import events
from dwp.benefits.domain import Household, Rates, as_dicts, calculate_uc, rates_on
from dwp.benefits.domain.uc import to_inputs
from dwp.benefits.estimates import RTIPayment, apply_rti, estimate, uc_result_view, weekly_view
from dwp.benefits.repository import Assessment, AssessmentRepository
from dwp.platform.auth import Actor
from dwp.platform.database import Database


class AssessmentNotFound(Exception):
    """No assessment with that id (or not one this caller may see)."""


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was used before for a different request."""


@dataclass
class BenefitsContext:
    database: Database
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


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


__all__ = ["RTIPayment", "apply_rti", "estimate", "uc_result_view", "weekly_view"]
