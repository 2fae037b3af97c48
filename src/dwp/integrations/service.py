"""The use cases: ask a provider on behalf of a claim, and record the access whatever came of it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from dwp.contracts.integrations import (
    BulkEarnings,
    BulkEarningsPerson,
    BulkEarningsRequest,
    BulkEarningsResult,
    DataAccess,
    Earnings,
    EarningsPayment,
    EarningsRequest,
    FitNotes,
    FitNotesRequest,
    NiRecord,
    NiRecordRequest,
    Outcome,
)
from dwp.integrations import repository
from dwp.integrations.domain import (
    IntegrationsError,
    InvalidIdentifier,
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
from dwp.platform.http.errors import DEFAULT_RETRY_AFTER_SECONDS

T = TypeVar("T")
LONGEST_PERIOD_DAYS = 400  # a little over a tax year: the longest window a claim needs at once


@dataclass
class IntegrationsContext:
    database: Database
    hmrc: Hmrc
    nhs: Nhs
    bulk_concurrency: int = 8
    """People of one bulk look-up asked of HMRC at once."""


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


def _check_period(period_from: date, period_to: date, prefix: str = "") -> None:
    if period_from > period_to:
        raise InvalidPeriod("period_from is after period_to", field=f"{prefix}period_from")
    if (period_to - period_from).days > LONGEST_PERIOD_DAYS:
        raise InvalidPeriod(f"a period is at most {LONGEST_PERIOD_DAYS} days", field=f"{prefix}period_to")


async def _paye(ctx: IntegrationsContext, nino: str, who: BulkEarningsPerson) -> list[EarningsPayment]:
    """Match the person at HMRC, then read their PAYE payments in the period."""
    match_id = await _ask("hmrc", ctx.hmrc.match(nino, who.given_name, who.family_name, who.date_of_birth))
    return await _ask("hmrc", ctx.hmrc.payments(match_id, who.period_from, who.period_to))


async def earnings(ctx: IntegrationsContext, body: EarningsRequest, actor: Actor) -> Earnings:
    nino = normalise_nino(body.national_insurance_number)
    _check_period(body.period_from, body.period_to)

    async def audit(outcome: Outcome, records: int) -> str:
        return await _record(ctx, _access(
            actor, body.claim_id, body.purpose, "hmrc", "paye-income", mask(nino), outcome, records,
            body.period_from, body.period_to,
        ))  # fmt: skip

    try:
        payments = await _paye(ctx, nino, body)
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

    async def audit(outcome: Outcome, records: int) -> str:
        return await _record(ctx, _access(
            actor, body.claim_id, body.purpose, "hmrc", "ni-class1", mask(nino), outcome, records,
            first, last,
        ))  # fmt: skip

    try:
        years = await _ask(
            "hmrc", ctx.hmrc.ni_record(nino, body.date_of_birth, body.first_tax_year, body.last_tax_year)
        )
    except (NotMatched, ProviderRefused, ProviderUnavailable) as exc:
        await audit(_outcome(exc), 0)
        raise
    access_id = await audit("found", len(years))
    return NiRecord(access_id=access_id, claim_id=body.claim_id, years=years)


async def bulk_earnings(ctx: IntegrationsContext, body: BulkEarningsRequest, actor: Actor) -> BulkEarnings:
    """Each person's PAYE earnings, in the request's order, every look-up audited (in one transaction).

    HMRC publishes no bulk API: its Individuals APIs take one matched person at a time. So this fans out,
    `ctx.bulk_concurrency` people at once, through the same client (its retries and its circuit breaker):
    one call from the monthly run's shard instead of one per adult, and HMRC never asked for more at
    once than a bounded number, however large the shard. Once the breaker opens, the rest fail fast.
    A person not matched or refused is that person's outcome; only when HMRC answered for nobody is the
    whole call `ProviderUnavailable` (a 503 the caller waits on)."""
    ninos = []
    for i, person in enumerate(body.people):
        try:
            ninos.append(normalise_nino(person.national_insurance_number))
        except InvalidIdentifier as exc:
            raise InvalidIdentifier(str(exc), field=f"people[{i}].national_insurance_number") from None
        _check_period(person.period_from, person.period_to, prefix=f"people[{i}].")
    gate = asyncio.Semaphore(ctx.bulk_concurrency)

    async def one(nino: str, person: BulkEarningsPerson) -> list[EarningsPayment] | IntegrationsError:
        async with gate:
            try:
                return await _paye(ctx, nino, person)
            except (NotMatched, ProviderRefused, ProviderUnavailable) as exc:
                return exc

    answers = await asyncio.gather(*(one(n, p) for n, p in zip(ninos, body.people, strict=True)))
    audits = [
        _access(
            actor,
            p.claim_id,
            body.purpose,
            "hmrc",
            "paye-income",
            mask(nino),
            _outcome(a) if isinstance(a, IntegrationsError) else "found",
            0 if isinstance(a, IntegrationsError) else len(a),
            p.period_from,
            p.period_to,
        )
        for nino, p, a in zip(ninos, body.people, answers, strict=True)
    ]
    async with ctx.database.transaction() as connection:
        access_ids = await repository.record_many(connection, audits)
    results = []
    for i, (person, answer, access_id) in enumerate(zip(body.people, answers, access_ids, strict=True)):
        if isinstance(answer, IntegrationsError):
            retry_after = None
            if isinstance(answer, ProviderUnavailable):  # as the single look-up's Retry-After says
                retry_after = answer.retry_after or float(DEFAULT_RETRY_AFTER_SECONDS)
            results.append(BulkEarningsResult(index=i, outcome=_outcome(answer), retry_after=retry_after))
            continue
        found = Earnings(
            access_id=access_id,
            claim_id=person.claim_id,
            period_from=person.period_from,
            period_to=person.period_to,
            payments=answer,
        )
        results.append(BulkEarningsResult(index=i, outcome="found", earnings=found))
    down = [a for a in answers if isinstance(a, ProviderUnavailable)]
    if len(down) == len(answers):
        raise down[0]
    return BulkEarnings(results=results)


async def fit_notes(ctx: IntegrationsContext, body: FitNotesRequest, actor: Actor) -> FitNotes:
    number = normalise_nhs_number(body.nhs_number)
    try:
        notes = await _ask("nhs", ctx.nhs.fit_notes(number))
    except (NoRecord, ProviderRefused, ProviderUnavailable) as exc:
        await _record(
            ctx,
            _access(actor, body.claim_id, body.purpose, "nhs", "fit-notes", mask(number), _outcome(exc), 0),
        )
        raise
    access_id = await _record(
        ctx,
        _access(actor, body.claim_id, body.purpose, "nhs", "fit-notes", mask(number), "found", len(notes)),
    )
    return FitNotes(access_id=access_id, claim_id=body.claim_id, notes=notes)


def _access(
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
) -> dict[str, object]:
    """One audit record's values: who asked, why, about whom, and what came of it."""
    return {
        "caller": actor.subject,
        "caller_kind": actor.kind,
        "request_id": actor.request_id,
        "claim_id": claim_id,
        "purpose": purpose,
        "provider": provider,
        "dataset": dataset,
        "subject": subject,
        "outcome": outcome,
        "records": records,
        "period_from": period_from,
        "period_to": period_to,
    }


async def _record(ctx: IntegrationsContext, values: dict[str, object]) -> str:
    """Write one audit record (`_access`'s values): its id."""
    async with ctx.database.transaction() as connection:
        return (await repository.record_many(connection, [values]))[0]


async def accesses_for_claim(ctx: IntegrationsContext, claim_id: str, limit: int) -> list[DataAccess]:
    async with ctx.database.read() as connection:
        rows = await repository.for_claim(connection, claim_id, limit)
    return [DataAccess.model_validate(row) for row in rows]
