"""The use cases: ask a provider on behalf of a claim, and record the access whatever came of it."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from dwp.contracts.integrations import (
    DataAccess,
    Earnings,
    EarningsRequest,
    FitNotes,
    FitNotesRequest,
    NiRecord,
    NiRecordRequest,
    Outcome,
)
from dwp.integrations import repository
from dwp.integrations.domain import (
    InvalidPeriod,
    NoRecord,
    NotMatched,
    ProviderRefused,
    ProviderUnavailable,
    mask,
    normalise_nhs_number,
    normalise_nino,
)
from dwp.integrations.hmrc import Hmrc
from dwp.integrations.nhs import Nhs
from dwp.platform.auth import Actor
from dwp.platform.database import Database
from dwp.platform.http import UpstreamError, UpstreamRejected

T = TypeVar("T")
LONGEST_PERIOD_DAYS = 400  # a little over a tax year: the longest window a claim needs at once


@dataclass
class IntegrationsContext:
    database: Database
    hmrc: Hmrc
    nhs: Nhs


async def _ask(provider: str, call: Awaitable[T]) -> T:
    """The provider's answer, or a domain error: anything that is not the provider's considered answer
    (down, slow, rate-limiting, a 5xx, a broken body, its breaker open) is `ProviderUnavailable`."""
    try:
        return await call
    except UpstreamRejected as exc:  # a 4xx the adapter did not recognise (a token request refused)
        raise ProviderRefused(f"{provider} refused the request: {exc.status}") from None
    except UpstreamError as exc:
        raise ProviderUnavailable(provider, type(exc).__name__, exc.retry_after) from None


def _outcome(exc: Exception) -> Outcome:
    if isinstance(exc, NotMatched):
        return "no-match"
    if isinstance(exc, NoRecord):
        return "not-found"
    if isinstance(exc, ProviderUnavailable):
        return "provider-unavailable"
    return "refused"


async def earnings(ctx: IntegrationsContext, body: EarningsRequest, actor: Actor) -> Earnings:
    nino = normalise_nino(body.national_insurance_number)
    if body.period_from > body.period_to:
        raise InvalidPeriod("period_from is after period_to", field="period_from")
    if (body.period_to - body.period_from).days > LONGEST_PERIOD_DAYS:
        raise InvalidPeriod(f"a period is at most {LONGEST_PERIOD_DAYS} days", field="period_to")

    async def audit(outcome: Outcome, records: int) -> str:
        return await _record(
            ctx, actor, body.claim_id, body.purpose, "hmrc", "paye-income", mask(nino), outcome, records,
            body.period_from, body.period_to,
        )  # fmt: skip

    try:
        match_id = await _ask(
            "hmrc", ctx.hmrc.match(nino, body.given_name, body.family_name, body.date_of_birth)
        )
        payments = await _ask("hmrc", ctx.hmrc.payments(match_id, body.period_from, body.period_to))
    except (NotMatched, ProviderRefused, ProviderUnavailable) as exc:
        await audit(_outcome(exc), 0)
        raise
    access_id = await audit("found", len(payments))
    return Earnings(
        access_id=access_id,
        claim_id=body.claim_id,
        period_from=body.period_from,
        period_to=body.period_to,
        payments=payments,
    )


LONGEST_NI_RANGE = 6  # the NICC interface's own limit


async def ni_record(ctx: IntegrationsContext, body: NiRecordRequest, actor: Actor) -> NiRecord:
    nino = normalise_nino(body.national_insurance_number)
    if body.first_tax_year > body.last_tax_year:
        raise InvalidPeriod("first_tax_year is after last_tax_year", field="first_tax_year")
    if body.last_tax_year - body.first_tax_year + 1 > LONGEST_NI_RANGE:
        raise InvalidPeriod(f"at most {LONGEST_NI_RANGE} tax years at once", field="last_tax_year")
    first = date(body.first_tax_year, 4, 6)
    last = date(body.last_tax_year + 1, 4, 5)
    try:
        years = await _ask(
            "hmrc", ctx.hmrc.ni_record(nino, body.date_of_birth, body.first_tax_year, body.last_tax_year)
        )
    except (NotMatched, ProviderRefused, ProviderUnavailable) as exc:
        await _record(
            ctx, actor, body.claim_id, body.purpose, "hmrc", "ni-class1", mask(nino), _outcome(exc), 0,
            first, last,
        )  # fmt: skip
        raise
    access_id = await _record(
        ctx,
        actor,
        body.claim_id,
        body.purpose,
        "hmrc",
        "ni-class1",
        mask(nino),
        "found",
        len(years),
        first,
        last,
    )
    return NiRecord(access_id=access_id, claim_id=body.claim_id, years=years)


async def fit_notes(ctx: IntegrationsContext, body: FitNotesRequest, actor: Actor) -> FitNotes:
    number = normalise_nhs_number(body.nhs_number)
    try:
        notes = await _ask("nhs", ctx.nhs.fit_notes(number))
    except (NoRecord, ProviderRefused, ProviderUnavailable) as exc:
        await _record(
            ctx, actor, body.claim_id, body.purpose, "nhs", "fit-notes", mask(number), _outcome(exc), 0
        )
        raise
    access_id = await _record(
        ctx, actor, body.claim_id, body.purpose, "nhs", "fit-notes", mask(number), "found", len(notes)
    )
    return FitNotes(access_id=access_id, claim_id=body.claim_id, notes=notes)


async def _record(
    ctx: IntegrationsContext,
    actor: Actor,
    claim_id: str,
    purpose: str,
    provider: str,
    dataset: str,
    subject: str,
    outcome: Outcome,
    records: int,
    period_from: date | None = None,
    period_to: date | None = None,
) -> str:
    async with ctx.database.transaction() as connection:
        return await repository.record(
            connection,
            caller=actor.subject,
            caller_kind=actor.kind,
            request_id=actor.request_id,
            claim_id=claim_id,
            purpose=purpose,
            provider=provider,
            dataset=dataset,
            subject=subject,
            outcome=outcome,
            records=records,
            period_from=period_from,
            period_to=period_to,
        )


async def accesses_for_claim(ctx: IntegrationsContext, claim_id: str, limit: int) -> list[DataAccess]:
    async with ctx.database.read() as connection:
        rows = await repository.for_claim(connection, claim_id, limit)
    return [DataAccess.model_validate(row) for row in rows]
