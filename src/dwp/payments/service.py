"""Use cases of the payments service. Each takes a typed command (or a query's arguments), runs in one
unit of work (load, ask the domain, save, audit, record the event, commit), and raises the domain's
errors; so a failure part-way leaves nothing half-written. The clock is the context's.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dwp.contracts.payments import InstructionAnswer, PaymentInstructionShape
from dwp.payments import events
from dwp.payments.domain import bank, fraud, holds, instructions, schedule
from dwp.payments.domain.bank import BankDetails
from dwp.payments.domain.errors import (
    BankDetailsNotFound,
    HoldNotFound,
    InvalidAward,
    RunOverlap,
    StaleVersion,
)
from dwp.payments.domain.holds import PaymentHold
from dwp.payments.payment_system import PaymentSystem
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
from dwp.platform.http import UpstreamTimeout, UpstreamUnavailable
from dwp.platform.idempotency import IdempotencyKeys
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.uow import SqlUnitOfWorkFactory, UnitOfWorkFactory

UK = ZoneInfo("Europe/London")
SYSTEM = Actor(subject="payment-system", kind="service")
"""Who records the payment system's answers in the audit log."""
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
    overpayment_outstanding: int = 0
    """What of an overpayment (a revision lowered periods already paid) is still to be recovered."""


def _instructed(sent: Iterable[instructions.Instruction]) -> dict[str, dict[int, int]]:
    """What was instructed for each award's payments (award id -> payment number -> pence)."""
    found: dict[str, dict[int, int]] = {}
    for instruction in sent:
        found.setdefault(instruction.award_id, {})[instruction.number] = instruction.pence
    return found


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


async def put_awards(
    ctx: PaymentsContext, found: list[schedule.Award], *, actor: Actor
) -> list[tuple[str, int | None, str | None]]:
    """Many awards' latest terms in one transaction (the monthly run's page), each as `put_award` stores
    one: for each in order, `stored` or `unchanged` with its version, or `refused` with why (terms that
    cannot be paid, another person's award id), which does not stop the rest. The changed ones are
    audited in one statement."""
    results: list[tuple[str, int | None, str | None]] = []
    for award in found:
        try:
            schedule.check_award(award)
        except InvalidAward as exc:
            results.append(("refused", None, f"{exc.field or 'terms'}: {exc}"))
            continue
        results.append(("", None, None))
    now = ctx.clock()
    audits: list[dict[str, Any]] = []
    async with ctx.uow() as uow:
        # One read of what is stored; only new or changed terms are written (a day run again writes none).
        stored = await uow.repository.awards_by_id([a.id for a in found])
        for i, award in enumerate(found):
            if results[i][0] == "refused":
                continue
            before, stored_version = stored.get(award.id, (None, 0))
            if before == award:
                results[i] = ("unchanged", stored_version, None)
                continue
            if before is not None and before.citizen_id != award.citizen_id:
                results[i] = ("refused", None, "citizen_id: This award belongs to another person")
                continue
            version = await uow.repository.put_award(award, at=now)
            results[i] = ("stored", version, None)
            audits.append(
                {
                    "citizen_id": award.citizen_id,
                    "action": "award_received",
                    "after": {"award": award.id, "claim": award.claim_id, "version": version},
                }
            )
        if audits:
            await uow.repository.audit_many(audits, actor=actor, at=now)
    return results


async def payments_of(ctx: PaymentsContext, *, citizen_id: str) -> list[AwardPayments]:
    """Every award's payments for one citizen: paid, due, held or returned, with each period's sums."""
    async with ctx.uow(read_only=True) as uow:
        found = await uow.repository.awards_of(citizen_id)
        held = bool(await uow.repository.open_holds(citizen_id))
        sent = await uow.repository.instructions_of(citizen_id)
    today = ctx.today()
    instructed = _instructed(sent.values())
    result = []
    for award in found:
        lines = []
        next_unpaid_seen = False
        settled, overpaid = schedule.settle(award, instructed.get(award.id, {}))
        for payment in settled:
            instruction = sent.get(payment.instruction_id)
            if instruction is not None:
                shown = "paid" if instruction.status == "accepted" else instruction.status
                # What was instructed, even if a revision has since changed what the period comes to
                # (the difference is carried to the next payments: `schedule.settle`).
                sent_as = replace(payment, net_pence=instruction.pence)
                lines.append(PaymentLine(sent_as, shown, instruction.reason_code))
                continue
            status = "due"
            if held and not next_unpaid_seen and payment.pay_on >= today:
                status = "held"
            if payment.pay_on >= today:
                next_unpaid_seen = True
            lines.append(PaymentLine(payment, status))
        result.append(AwardPayments(award, lines, schedule.advance_outstanding(award), overpaid))
    return result


# --- payment instructions: send, record, reconcile, returns ----------------------------------------------


@dataclass
class RunReport:
    """What one payment run did (every count is of instructions)."""

    planned: int = 0
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    returned: int = 0
    reconciled: int = 0
    waiting_for_hold: int = 0
    waiting_for_bank_details: int = 0
    still_pending: int = 0
    system_unavailable: bool = False
    overlapped: bool = False
    """Another run planned the same payments at the same time (this one then only sends and records)."""


AfterSend = Callable[[list[str]], Awaitable[None]]
"""Called after the payment system answered and before the answers are recorded (tests die there)."""


async def plan_instructions(ctx: PaymentsContext, *, through: date, report: RunReport) -> None:
    """Record a `pending` instruction for every payment due on or before `through` that has none yet.
    A citizen with a held change of bank details, or none, waits (the payment stays due)."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        repo = uow.repository
        found = await repo.all_awards()
        instructed = await repo.instructed([a.id for a in found])
        due = {}
        for award in found:
            paid = instructed.get(award.id, {})
            settled, _ = schedule.settle(award, paid)
            due[award.id] = [
                p for p in settled if p.pay_on <= through and p.net_pence > 0 and p.number not in paid
            ]
        citizens = sorted({a.citizen_id for a in found if due[a.id]})
        held, stopped = await repo.payment_blocks(citizens)
        accounts = await repo.bank_details_of(citizens)
        planned: list[tuple[instructions.Instruction, PaymentInstructionShape]] = []
        for award in found:
            payments = due[award.id]
            if not payments:
                continue
            details = accounts.get(award.citizen_id)
            last_stop = stopped.get(award.citizen_id)
            if award.citizen_id in held:
                report.waiting_for_hold += len(payments)
                continue
            if details is None:
                report.waiting_for_bank_details += len(payments)
                continue
            if last_stop is not None and details.updated_at is not None and details.updated_at <= last_stop:
                # A caseworker stopped the payment to the changed account, and the person has not given
                # their bank details again since: nothing goes to it.
                report.waiting_for_hold += len(payments)
                continue
            sort_code, account_number = details.account.standard()
            for payment in payments:
                shape = PaymentInstructionShape(
                    instruction_id=payment.instruction_id,
                    sort_code=sort_code,
                    account_number=account_number,
                    account_name=instructions.bacs_text(details.account.account_name),
                    reference=instructions.reference(payment, details.account),
                    pence=payment.net_pence,
                    pay_on=payment.pay_on,
                )
                instruction = instructions.Instruction(
                    id=payment.instruction_id,
                    award_id=award.id,
                    claim_id=award.claim_id,
                    citizen_id=award.citizen_id,
                    number=payment.number,
                    pay_on=payment.pay_on,
                    pence=payment.net_pence,
                )
                planned.append((instruction, shape))
        await repo.add_instructions(planned, at=now)
        report.planned += len(planned)


async def record_answers(ctx: PaymentsContext, answers: list[InstructionAnswer], report: RunReport) -> None:
    """Record what the payment system said; a rejection or a return raises an event for claims (a work
    item for a caseworker and a to-do for the citizen) once, however often the answer is recorded."""
    if not answers:
        return
    now = ctx.clock()
    said = {answer.instruction_id: answer for answer in answers}
    async with ctx.uow() as uow:
        repo = uow.repository
        changed = await repo.record_answers(answers, at=now)
        for instruction in changed:
            setattr(report, instruction.status, getattr(report, instruction.status) + 1)
            if instruction.status in ("rejected", "returned"):
                await events.payment_returned(uow.outbox, instruction, said[instruction.id])
        await repo.audit_many(
            [
                {
                    "citizen_id": i.citizen_id,
                    "action": f"payment_{i.status}",
                    "after": {"instruction": i.id, "status": i.status, "reason": i.reason_code},
                }
                for i in changed
            ],
            actor=SYSTEM,
            at=now,
        )


async def send_pending(
    ctx: PaymentsContext,
    system: PaymentSystem,
    *,
    report: RunReport,
    batch: int = 500,
    after_send: AfterSend | None = None,
) -> None:
    """Send every pending instruction in batches, recording each batch's answers in its own transaction."""
    while True:
        async with ctx.uow(read_only=True) as uow:
            pending = await uow.repository.pending_instructions(batch)
        if not pending:
            return
        answers = await system.submit([shape for _, shape in pending])
        report.sent += len(pending)
        if after_send is not None:
            await after_send([i.id for i, _ in pending])
        await record_answers(ctx, answers, report)
        answered = {a.instruction_id for a in answers}
        if not answered & {i.id for i, _ in pending}:
            return  # the system answered none of them: stop rather than send the same batch forever


async def reconcile(ctx: PaymentsContext, system: PaymentSystem, *, report: RunReport) -> None:
    """After a worker died between sending and recording: ask the payment system about each pending
    instruction and record what it did. One it never received stays pending, to be sent."""
    async with ctx.uow(read_only=True) as uow:
        pending = await uow.repository.pending_instructions(100_000)
    found = [answer for i, _ in pending if (answer := await system.find(i.id)) is not None]
    report.reconciled += len(found)
    await record_answers(ctx, found, report)


RETURNS_CURSOR = "payment-system-returns"


async def read_returns(ctx: PaymentsContext, system: PaymentSystem, *, report: RunReport) -> None:
    """Read the payment system's returns report from where the last reading stopped."""
    async with ctx.uow(read_only=True) as uow:
        cursor = await uow.repository.cursor(RETURNS_CURSOR)
    page = await system.returns(cursor)
    await record_answers(ctx, page.items, report)
    if page.next_cursor is not None:
        async with ctx.uow() as uow:
            await uow.repository.set_cursor(RETURNS_CURSOR, page.next_cursor)


async def run_payments(
    ctx: PaymentsContext,
    system: PaymentSystem,
    *,
    through: date,
    after_send: AfterSend | None = None,
) -> RunReport:
    """One payment run: reconcile what an earlier run left pending, plan what is now due, send it, and
    read the returns. With the payment system down, everything planned stays pending: nothing is lost,
    and nothing is sent twice when it is back."""
    report = RunReport()
    try:
        await reconcile(ctx, system, report=report)
        try:
            await plan_instructions(ctx, through=through, report=report)
        except RunOverlap:
            report.overlapped = True
        await send_pending(ctx, system, report=report, after_send=after_send)
        await read_returns(ctx, system, report=report)
    except (UpstreamUnavailable, UpstreamTimeout):
        report.system_unavailable = True
    async with ctx.uow(read_only=True) as uow:
        report.still_pending = len(await uow.repository.pending_instructions(100_000))
    return report
