"""Use cases of the payments service. Each takes a typed command (or a query's arguments), runs in one
unit of work (load, ask the domain, save, audit, record the event, commit), and raises the domain's
errors; so a failure part-way leaves nothing half-written. The clock is the context's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dwp.payments import events
from dwp.payments.domain import bank, fraud, holds, schedule
from dwp.payments.domain.bank import BankDetails
from dwp.payments.domain.errors import BankDetailsNotFound, HoldNotFound, InvalidAward, StaleVersion
from dwp.payments.domain.holds import PaymentHold
from dwp.payments.repository import (
    CHANGED,
    SET,
    PaymentsRepository,
    SqlPaymentsRepository,
    audit_view,
    idempotency_keys,
    outbox,
)
from dwp.platform.auth import Actor
from dwp.platform.database import Database
from dwp.platform.idempotency import IdempotencyKeys
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.uow import SqlUnitOfWorkFactory, UnitOfWorkFactory

UK = ZoneInfo("Europe/London")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PaymentsContext:
    """What the use cases run with: a unit of work per use case, the clock and the fraud rules."""

    uow: UnitOfWorkFactory[PaymentsRepository]
    clock: Clock = utc_now
    rules: fraud.Rules | None = None
    idempotency: IdempotencyKeys | None = None

    @classmethod
    def on_database(
        cls, database: Database, cipher: PiiCipher, index: BlindIndex, *, clock: Clock = utc_now
    ) -> PaymentsContext:
        keys = IdempotencyKeys(database, idempotency_keys, clock=clock)
        uow = SqlUnitOfWorkFactory[PaymentsRepository](
            database,
            lambda connection: SqlPaymentsRepository(connection, cipher, index),
            outbox_table=outbox,
            source=events.SOURCE,
            idempotency=keys,
        )
        return cls(uow=uow, clock=clock, idempotency=keys)

    def today(self) -> date:
        return self.clock().astimezone(UK).date()


@dataclass(frozen=True)
class SessionFacts:
    """What the request says about the session a change comes from (see `fraud.ChangeFacts`)."""

    device: str | None = None
    signed_in_at: datetime | None = None


@dataclass(frozen=True)
class SetBankDetails:
    """A citizen gives or changes their bank details; field names are the API's, so errors name them."""

    citizen_id: str
    sort_code: str
    account_number: str
    account_name: str
    roll_number: str | None = None
    expected_version: int | None = None
    session: SessionFacts = SessionFacts()


@dataclass(frozen=True)
class BankDetailsSet:
    details: BankDetails
    hold: PaymentHold | None


async def set_bank_details(ctx: PaymentsContext, command: SetBankDetails, *, actor: Actor) -> BankDetailsSet:
    """Give or change bank details. The change is audited (masked), raises an event so that the person
    is told, and, when it matches a fraud rule, holds the next payment for a caseworker's check."""
    account = bank.bank_account(
        sort_code=command.sort_code,
        account_number=command.account_number,
        account_name=command.account_name,
        roll_number=command.roll_number,
    )
    now = ctx.clock()
    rules = ctx.rules or fraud.default_rules()
    async with ctx.uow() as uow:
        repo = uow.repository
        before = await repo.bank_details(command.citizen_id)
        bank.check_version(before, command.expected_version)
        if before is not None and before.account == account:
            return BankDetailsSet(details=before, hold=None)
        facts = fraud.ChangeFacts(
            is_first=before is None,
            at=now,
            signed_in_at=command.session.signed_in_at,
            device_known=await repo.device_known(command.citizen_id, command.session.device),
            other_citizens_with_account=await repo.citizens_with_account(
                account, other_than=command.citizen_id
            ),
            earlier_changes=tuple(await repo.bank_changes(command.citizen_id)),
        )
        reasons = fraud.assess(facts, rules)
        if before is None:
            after = BankDetails(
                id=str(uuid.uuid4()),
                citizen_id=command.citizen_id,
                account=account,
                created_at=now,
                updated_at=now,
            )
            await repo.add_bank_details(after)
        else:
            after = replace(before, account=account, version=before.version + 1, updated_at=now)
            if not await repo.save_bank_details(after, previous_version=before.version):
                raise StaleVersion("The bank details have changed since you read them; read them again")
        hold = None
        if reasons:
            hold = PaymentHold(
                id=str(uuid.uuid4()),
                citizen_id=command.citizen_id,
                bank_details_id=after.id,
                reasons=reasons,
                rules_version=rules.version,
                status="held",
                created_at=now,
            )
            await repo.add_hold(hold, device=command.session.device)
            await events.payment_held(uow.outbox, hold)
        else:
            await repo.remember_device(command.citizen_id, command.session.device, at=now)
        await repo.audit(
            citizen_id=command.citizen_id,
            actor=actor,
            action=SET if before is None else CHANGED,
            before=audit_view(before),
            after=audit_view(after),
            reason=f"held: {', '.join(reasons)}" if reasons else None,
            now=now,
        )
        await events.bank_details_changed(uow.outbox, after, first=before is None, held=hold is not None)
    return BankDetailsSet(details=after, hold=hold)


async def get_bank_details(ctx: PaymentsContext, *, citizen_id: str) -> BankDetails:
    async with ctx.uow(read_only=True) as uow:
        details = await uow.repository.bank_details(citizen_id)
    if details is None:
        raise BankDetailsNotFound("No bank details")
    return details


async def view_bank_details_as_caseworker(
    ctx: PaymentsContext, *, citizen_id: str, actor: Actor
) -> BankDetails:
    """A caseworker reads a person's bank details; the read is audited."""
    async with ctx.uow() as uow:
        details = await uow.repository.bank_details(citizen_id)
        if details is None:
            raise BankDetailsNotFound("No bank details")
        await uow.repository.audit(
            citizen_id=citizen_id, actor=actor, action="bank_details_viewed", now=ctx.clock()
        )
    return details


async def open_holds(ctx: PaymentsContext, *, citizen_id: str | None = None) -> list[PaymentHold]:
    async with ctx.uow(read_only=True) as uow:
        return await uow.repository.open_holds(citizen_id)


async def decide_hold(
    ctx: PaymentsContext, *, hold_id: str, release: bool, reason: str, actor: Actor
) -> PaymentHold:
    """A caseworker's check of a held change: release the payment (and trust the device) or stop it."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        hold = await uow.repository.hold(hold_id)
        if hold is None:
            raise HoldNotFound("No hold with that id")
        decided = holds.decide(hold, release=release, by=actor.subject, at=now, reason=reason)
        await uow.repository.save_hold(decided)
        if release:
            await uow.repository.trust_hold_device(decided, at=now)
        await uow.repository.audit(
            citizen_id=hold.citizen_id,
            actor=actor,
            action=f"hold_{decided.status}",
            before={"hold": hold.id, "status": hold.status},
            after={"hold": hold.id, "status": decided.status},
            reason=reason,
            now=now,
        )
        await events.hold_decided(uow.outbox, decided)
    return decided


async def audit_trail(ctx: PaymentsContext, *, citizen_id: str, limit: int) -> list[dict[str, Any]]:
    async with ctx.uow(read_only=True) as uow:
        return await uow.repository.audit_trail(citizen_id, limit=limit)


# --- awards and their schedules --------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentLine:
    """One scheduled payment as the citizen sees it: its days, its sums and where it stands."""

    payment: schedule.ScheduledPayment
    status: str
    """due, held (a change of bank details waits for a caseworker), or what the payment system said."""
    reason_code: str | None = None


@dataclass(frozen=True)
class AwardPayments:
    award: schedule.Award
    lines: list[PaymentLine]
    advance_outstanding: int


async def put_award(ctx: PaymentsContext, award: schedule.Award, *, actor: Actor) -> int:
    """Store an award's latest terms (claims sends it whole); its schedule is worked out from them."""
    schedule.check_award(award)
    now = ctx.clock()
    async with ctx.uow() as uow:
        before = await uow.repository.award(award.id)
        if before is not None and before.citizen_id != award.citizen_id:
            raise InvalidAward("This award belongs to another person", field="citizen_id")
        version = await uow.repository.put_award(award, at=now)
        if before != award:
            await uow.repository.audit(
                citizen_id=award.citizen_id,
                actor=actor,
                action="award_received",
                after={"award": award.id, "claim": award.claim_id, "version": version},
                now=now,
            )
    return version


async def payments_of(ctx: PaymentsContext, *, citizen_id: str) -> list[AwardPayments]:
    """Every award's payments for one citizen: paid, due, held or returned, with each period's sums."""
    async with ctx.uow(read_only=True) as uow:
        found = await uow.repository.awards_of(citizen_id)
        held = bool(await uow.repository.open_holds(citizen_id))
    today = ctx.today()
    result = []
    for award in found:
        lines = []
        next_unpaid_seen = False
        for payment in schedule.schedule(award):
            status = "due"
            if held and not next_unpaid_seen and payment.pay_on >= today:
                status = "held"
            if payment.pay_on >= today:
                next_unpaid_seen = True
            lines.append(PaymentLine(payment, status))
        result.append(AwardPayments(award, lines, schedule.advance_outstanding(award)))
    return result
