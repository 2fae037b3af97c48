"""Use cases of the benefits service: estimates (no storage), assessments (stored with inputs and
explanation, with their event and any idempotent answer, in one unit of work) and the published rates."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dwp.benefits import events
from dwp.benefits.domain import Household, Rates, as_dicts, calculate_uc, rates_on
from dwp.benefits.domain.assessment import Assessment
from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.domain.pages import PageItem, calculate_page
from dwp.benefits.domain.uc import to_inputs
from dwp.benefits.estimates import RTIPayment, apply_rti, estimate, uc_result_view, weekly_view
from dwp.benefits.repository import (
    AssessmentRepository,
    SqlAssessmentRepository,
    idempotency_keys,
    outbox,
)
from dwp.platform.auth import Actor
from dwp.platform.database import Database
from dwp.platform.idempotency import IdempotencyKeys, Remember
from dwp.platform.uow import SqlUnitOfWorkFactory, UnitOfWorkFactory

Clock = Callable[[], datetime]


class AssessmentNotFound(Exception):
    """No assessment with that id (or not one this caller may see)."""


@dataclass(frozen=True)
class AssessClaim:
    """Work out and store the award for one claim's assessment period. `inputs` is the request as the
    caller sent it, stored beside the result so that the award can be explained later."""

    claim_id: str
    household: Household
    payments: list[RTIPayment] | None
    inputs: dict[str, Any]


@dataclass(frozen=True)
class BatchItem:
    """One household of a batch: `AssessClaim` with the state its previous period carried."""

    claim_id: str
    household: Household
    payments: list[RTIPayment] | None
    carried: dict[str, int] | None
    inputs: dict[str, Any]


@dataclass(frozen=True)
class AssessBatch:
    """Work out and store a page of awards at once (the monthly run), through the batch engine."""

    items: list[BatchItem]


@dataclass(frozen=True)
class AssessedBatch:
    batch_id: str
    assessments: list[Assessment]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BenefitsContext:
    uow: UnitOfWorkFactory[AssessmentRepository]
    clock: Clock = utc_now
    idempotency: IdempotencyKeys | None = None

    @classmethod
    def on_database(cls, database: Database, *, clock: Clock = utc_now) -> BenefitsContext:
        keys = IdempotencyKeys(database, idempotency_keys, clock=clock)
        uow = SqlUnitOfWorkFactory[AssessmentRepository](
            database, SqlAssessmentRepository, outbox_table=outbox, source=events.SOURCE, idempotency=keys
        )
        return cls(uow=uow, clock=clock, idempotency=keys)


async def assess_claim(
    ctx: BenefitsContext,
    command: AssessClaim,
    *,
    actor: Actor,
    remember: Remember[Assessment] | None = None,
) -> Assessment:
    """Work out and store the award; `remember` records the answer for the request's Idempotency-Key."""
    household = command.household
    if command.payments is not None:
        household = apply_rti(household, command.payments)
    rates = rates_on(household.period_start)
    result = calculate_uc(household, rates)
    values, _ = to_inputs(household, rates)
    now = ctx.clock()
    async with ctx.uow() as uow:
        assessment = Assessment(
            id=str(uuid.uuid4()),
            claim_id=command.claim_id,
            benefit="universal_credit",
            period_start=household.period_start,
            period_end=household.period_end,
            tax_year=result.tax_year,
            award_pence=result.award,
            inputs=command.inputs,
            kernel_inputs=values,
            amounts=result.amounts,
            explanation=as_dicts(result.explanation),
            actor=actor.subject,
            request_id=actor.request_id,
            created_at=now,
        )
        await uow.repository.add(assessment)
        await events.benefit_assessed(uow.outbox, assessment)
        await uow.remember(remember, assessment)
    return assessment


def _with_earnings(index: int, item: BatchItem) -> PageItem:
    household = item.household
    if item.payments is not None:
        try:
            household = apply_rti(household, item.payments)
        except InvalidCircumstances as exc:
            raise InvalidCircumstances(f"items[{index}].{exc.field}", exc.message) from exc
    return PageItem(household, item.carried)


async def assess_batch(
    ctx: BenefitsContext,
    command: AssessBatch,
    *,
    actor: Actor,
    remember: Remember[AssessedBatch] | None = None,
) -> AssessedBatch:
    """A page of awards through the batch engine (`calculate_page`: the same kernel and explanations
    as `assess_claim`), stored in one transaction with one `benefits.batch_assessed` event for the page
    and any idempotent answer. An item the rules refuse fails the page, its error naming the item."""
    page = [_with_earnings(i, item) for i, item in enumerate(command.items)]
    results = calculate_page(page)
    now = ctx.clock()
    batch = AssessedBatch(
        batch_id=str(uuid.uuid4()),
        assessments=[
            Assessment(
                id=str(uuid.uuid4()),
                claim_id=item.claim_id,
                benefit="universal_credit",
                period_start=used.household.period_start,
                period_end=used.household.period_end,
                tax_year=done.result.tax_year,
                award_pence=done.result.award,
                inputs=item.inputs,
                kernel_inputs=done.kernel_inputs,
                amounts=done.result.amounts,
                explanation=as_dicts(done.result.explanation),
                actor=actor.subject,
                request_id=actor.request_id,
                created_at=now,
            )
            for item, used, done in zip(command.items, page, results, strict=True)
        ],
    )
    async with ctx.uow() as uow:
        await uow.repository.add_many(batch.assessments)
        await events.batch_assessed(uow.outbox, batch.batch_id, batch.assessments)
        await uow.remember(remember, batch)
    return batch


async def get_assessment(ctx: BenefitsContext, *, assessment_id: str) -> Assessment:
    async with ctx.uow(read_only=True) as uow:
        found = await uow.repository.get(assessment_id)
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
