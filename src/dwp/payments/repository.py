"""The payments service's own tables, and the translation between rows and the domain.

`PaymentsRepository` is what the use cases see (the unit of work hands it over); `SqlPaymentsRepository`
is it on the service's database. Bank details are stored sealed with KMS envelope encryption (one sealed
JSON value: sort code, account number, roll number, name); the pair sort code + account number is also
kept as a blind index, so "how many people are paid into this account" is answered without the account.
Devices are kept only as keyed hashes of the id the BFF gives a browser.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import Column, Date, DateTime, Integer, String, Table, Text, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.contracts.payments import InstructionAnswer, PaymentInstructionShape
from dwp.payments.domain.bank import BankAccount, BankDetails
from dwp.payments.domain.errors import RunOverlap
from dwp.payments.domain.holds import PaymentHold
from dwp.payments.domain.instructions import Instruction
from dwp.payments.domain.schedule import Advance, Award, Deduction
from dwp.platform.auth import Actor
from dwp.platform.database import conflict_insert, new_metadata
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.retention import retention_runs_table
from dwp.platform.tables import audit_table, platform_tables

metadata = new_metadata()

bank_details = Table(
    "bank_details",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("citizen_id", String(36), nullable=False, unique=True),
    Column("account_index", String(64), nullable=False, index=True),
    Column("sealed", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

known_devices = Table(
    "known_devices",
    metadata,
    Column("citizen_id", String(36), primary_key=True),
    Column("device_index", String(64), primary_key=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
)
"""Devices from which a citizen's bank details were set without a hold (or whose hold was released)."""

payment_holds = Table(
    "payment_holds",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("citizen_id", String(36), nullable=False, index=True),
    Column("bank_details_id", String(36), nullable=False),
    Column("reasons", String(400), nullable=False),
    Column("rules_version", String(32), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("device_index", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decision_reason", Text, nullable=True),
)

audit_log = audit_table(metadata, "citizen_id")

awards = Table(
    "awards",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("claim_id", String(64), nullable=False, index=True),
    Column("citizen_id", String(64), nullable=False, index=True),
    Column("benefit", String(32), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("nation", String(32), nullable=False),
    # Period amounts, deductions, advance and cap, as JSON (amounts are not personal data).
    Column("terms", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""Awards to pay, as claims last sent them (whole, each time a period is assessed)."""

payment_instructions = Table(
    "payment_instructions",
    metadata,
    # The instruction id is derived from the award and the payment's number: one row per payment, ever.
    Column("id", String(36), primary_key=True),
    Column("award_id", String(64), nullable=False, index=True),
    Column("claim_id", String(64), nullable=False),
    Column("citizen_id", String(64), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("pay_on", Date, nullable=False),
    Column("pence", Integer, nullable=False),
    # The instruction as first sent (account included), sealed: a resend is exactly the same one.
    Column("sealed", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("reason_code", String(32), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=True),
)
"""Payment instructions: `pending` from before the first send until the payment system's answer is
recorded (a worker that dies in between leaves it pending, and reconciliation asks the system)."""

cursors = Table(
    "cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(64), nullable=False),
)
"""Where the reading of the payment system's returns report got to."""

outbox, inbox, idempotency_keys = platform_tables(metadata)
retention_runs = retention_runs_table(metadata)
"""The audit of this service's retention runs (`retention.py`): counts per rule, never what went."""

BANK_PURPOSE = "payments.bank_details"
ACCOUNT_INDEX_PURPOSE = "payments.account"
DEVICE_PURPOSE = "payments.device"
INSTRUCTION_PURPOSE = "payments.instruction"
CHANGED = "bank_details_changed"
SET = "bank_details_set"


class PaymentsRepository(Protocol):
    """The payments records, as the use cases see them."""

    async def bank_details(self, citizen_id: str) -> BankDetails | None: ...

    async def add_bank_details(self, details: BankDetails) -> None: ...

    async def save_bank_details(self, details: BankDetails, *, previous_version: int) -> bool:
        """Write changed details if nobody else changed them first (optimistic lock on `version`)."""
        ...

    async def citizens_with_account(self, account: BankAccount, *, other_than: str) -> int:
        """How many other citizens' bank details are this sort code and account number."""
        ...

    async def device_known(self, citizen_id: str, device: str | None) -> bool: ...

    async def remember_device(self, citizen_id: str, device: str | None, *, at: datetime) -> None: ...

    async def bank_changes(self, citizen_id: str) -> list[datetime]:
        """When the citizen changed (not first gave) their bank details, oldest first."""
        ...

    async def add_hold(self, hold: PaymentHold, *, device: str | None) -> None: ...

    async def hold(self, hold_id: str) -> PaymentHold | None: ...

    async def trust_hold_device(self, hold: PaymentHold, *, at: datetime) -> None:
        """Make the device a held change came from known (a caseworker found the change genuine)."""
        ...

    async def save_hold(self, hold: PaymentHold) -> None: ...

    async def open_holds(self, citizen_id: str | None = None) -> list[PaymentHold]: ...

    async def payment_blocks(self, citizen_ids: list[str]) -> tuple[set[str], dict[str, datetime]]:
        """Of these citizens: those with an open hold, and when a caseworker last stopped a held change
        of each one's bank details (for those where one was ever stopped)."""
        ...

    async def bank_details_of(self, citizen_ids: list[str]) -> dict[str, BankDetails]: ...

    async def put_award(self, award: Award, *, at: datetime) -> int:
        """Store an award (a new one, or its latest terms); returns its version."""
        ...

    async def award(self, award_id: str) -> Award | None: ...

    async def awards_by_id(self, award_ids: list[str]) -> dict[str, tuple[Award, int]]:
        """The stored awards of these ids (those there are) with their versions, in one query."""
        ...

    async def awards_of(self, citizen_id: str) -> list[Award]: ...

    async def all_awards(self) -> list[Award]: ...

    async def instructions_of(self, citizen_id: str) -> dict[str, Instruction]: ...

    async def instruction_ids(self, award_ids: list[str]) -> set[str]: ...

    async def instructed(self, award_ids: list[str]) -> dict[str, dict[int, int]]:
        """What was instructed for each award's payments: award id -> payment number -> pence."""
        ...

    async def add_instructions(
        self, planned: list[tuple[Instruction, PaymentInstructionShape]], *, at: datetime
    ) -> None:
        """Record instructions as `pending` before they are first sent."""
        ...

    async def pending_instructions(self, limit: int) -> list[tuple[Instruction, PaymentInstructionShape]]: ...

    async def record_answers(self, answers: list[InstructionAnswer], *, at: datetime) -> list[Instruction]:
        """Record many answers at once (one statement per status and reason); returns the instructions
        whose status this changed, as they now are (pending -> any; accepted -> returned)."""
        ...

    async def audit_many(self, entries: list[dict[str, Any]], *, actor: Actor, at: datetime) -> None:
        """Audit entries (`citizen_id`, `action`, `after`) written in one statement."""
        ...

    async def cursor(self, name: str) -> str | None: ...

    async def set_cursor(self, name: str, value: str) -> None: ...

    async def audit(
        self,
        *,
        citizen_id: str,
        actor: Actor,
        action: str,
        now: datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None: ...

    async def audit_trail(self, citizen_id: str, *, limit: int) -> list[dict[str, Any]]: ...


class SqlPaymentsRepository:
    def __init__(self, session: AsyncConnection, cipher: PiiCipher, index: BlindIndex) -> None:
        self.session = session
        self._cipher = cipher
        self._index = index

    def account_index(self, account: BankAccount) -> str:
        sort_code, number = account.standard()
        return self._index.digest(f"{sort_code}:{number}", purpose=ACCOUNT_INDEX_PURPOSE)

    def device_index(self, device: str) -> str:
        return self._index.digest(device, purpose=DEVICE_PURPOSE)

    async def bank_details(self, citizen_id: str) -> BankDetails | None:
        query = select(bank_details).where(bank_details.c.citizen_id == citizen_id)
        row = (await self.session.execute(query)).first()
        return await self._details(row) if row else None

    async def add_bank_details(self, details: BankDetails) -> None:
        await self.session.execute(
            bank_details.insert().values(
                id=details.id,
                citizen_id=details.citizen_id,
                created_at=details.created_at,
                **(await self._columns(details)),
            )
        )

    async def save_bank_details(self, details: BankDetails, *, previous_version: int) -> bool:
        result = await self.session.execute(
            update(bank_details)
            .where(bank_details.c.id == details.id, bank_details.c.version == previous_version)
            .values(**(await self._columns(details)))
        )
        return bool(result.rowcount == 1)

    async def citizens_with_account(self, account: BankAccount, *, other_than: str) -> int:
        query = select(func.count()).where(
            bank_details.c.account_index == self.account_index(account),
            bank_details.c.citizen_id != other_than,
        )
        return int((await self.session.execute(query)).scalar_one())

    async def device_known(self, citizen_id: str, device: str | None) -> bool:
        if device is None:
            return False
        query = select(known_devices.c.first_seen).where(
            known_devices.c.citizen_id == citizen_id,
            known_devices.c.device_index == self.device_index(device),
        )
        return (await self.session.execute(query)).first() is not None

    async def remember_device(self, citizen_id: str, device: str | None, *, at: datetime) -> None:
        if device is None or await self.device_known(citizen_id, device):
            return
        await self.session.execute(
            known_devices.insert().values(
                citizen_id=citizen_id, device_index=self.device_index(device), first_seen=at
            )
        )

    async def bank_changes(self, citizen_id: str) -> list[datetime]:
        query = (
            select(audit_log.c.at)
            .where(audit_log.c.citizen_id == citizen_id, audit_log.c.action == CHANGED)
            .order_by(audit_log.c.at)
        )
        return [utc(at) for at in (await self.session.execute(query)).scalars()]

    async def add_hold(self, hold: PaymentHold, *, device: str | None) -> None:
        await self.session.execute(
            payment_holds.insert().values(
                id=hold.id,
                citizen_id=hold.citizen_id,
                bank_details_id=hold.bank_details_id,
                reasons=",".join(hold.reasons),
                rules_version=hold.rules_version,
                status=hold.status,
                device_index=self.device_index(device) if device else None,
                created_at=hold.created_at,
            )
        )

    async def hold(self, hold_id: str) -> PaymentHold | None:
        row = (await self.session.execute(select(payment_holds).where(payment_holds.c.id == hold_id))).first()
        return _hold(row) if row else None

    async def trust_hold_device(self, hold: PaymentHold, *, at: datetime) -> None:
        query = select(payment_holds.c.device_index).where(payment_holds.c.id == hold.id)
        device_index = (await self.session.execute(query)).scalar_one_or_none()
        if device_index is None:
            return
        known = select(known_devices.c.first_seen).where(
            known_devices.c.citizen_id == hold.citizen_id, known_devices.c.device_index == device_index
        )
        if (await self.session.execute(known)).first() is None:
            await self.session.execute(
                known_devices.insert().values(
                    citizen_id=hold.citizen_id, device_index=device_index, first_seen=at
                )
            )

    async def save_hold(self, hold: PaymentHold) -> None:
        await self.session.execute(
            update(payment_holds)
            .where(payment_holds.c.id == hold.id)
            .values(
                status=hold.status,
                decided_by=hold.decided_by,
                decided_at=hold.decided_at,
                decision_reason=hold.decision_reason,
            )
        )

    async def open_holds(self, citizen_id: str | None = None) -> list[PaymentHold]:
        query = select(payment_holds).where(payment_holds.c.status == "held")
        if citizen_id is not None:
            query = query.where(payment_holds.c.citizen_id == citizen_id)
        rows = (await self.session.execute(query.order_by(payment_holds.c.created_at))).all()
        return [_hold(row) for row in rows]

    async def payment_blocks(self, citizen_ids: list[str]) -> tuple[set[str], dict[str, datetime]]:
        held: set[str] = set()
        stopped: dict[str, datetime] = {}
        table = payment_holds
        for start in range(0, len(citizen_ids), 500):
            chunk = citizen_ids[start : start + 500]
            query = select(table.c.citizen_id).where(table.c.citizen_id.in_(chunk), table.c.status == "held")
            held.update((await self.session.execute(query)).scalars())
            query = (
                select(table.c.citizen_id, func.max(table.c.decided_at))
                .where(table.c.citizen_id.in_(chunk), table.c.status == "stopped")
                .group_by(table.c.citizen_id)
            )
            stopped.update({row[0]: utc(row[1]) for row in (await self.session.execute(query)).all()})
        return held, stopped

    async def bank_details_of(self, citizen_ids: list[str]) -> dict[str, BankDetails]:
        found: dict[str, BankDetails] = {}
        for start in range(0, len(citizen_ids), 500):
            chunk = citizen_ids[start : start + 500]
            query = select(bank_details).where(bank_details.c.citizen_id.in_(chunk))
            rows = (await self.session.execute(query)).all()
            found.update({row.citizen_id: await self._details(row) for row in rows})
        return found

    async def audit(
        self,
        *,
        citizen_id: str,
        actor: Actor,
        action: str,
        now: datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        await self.session.execute(
            audit_log.insert().values(
                id=str(uuid.uuid4()),
                citizen_id=citizen_id,
                actor=actor.subject,
                actor_kind=actor.kind,
                action=action,
                reason=reason,
                before=json.dumps(before) if before is not None else None,
                after=json.dumps(after) if after is not None else None,
                request_id=actor.request_id,
                at=now,
            )
        )

    async def audit_trail(self, citizen_id: str, *, limit: int) -> list[dict[str, Any]]:
        query = (
            select(audit_log)
            .where(audit_log.c.citizen_id == citizen_id)
            .order_by(audit_log.c.at, audit_log.c.id)
            .limit(limit)
        )
        return [
            {
                "id": r.id,
                "actor": r.actor,
                "actor_kind": r.actor_kind,
                "action": r.action,
                "reason": r.reason,
                "before": json.loads(r.before) if r.before else None,
                "after": json.loads(r.after) if r.after else None,
                "request_id": r.request_id,
                "at": utc(r.at).isoformat(),
            }
            for r in (await self.session.execute(query)).all()
        ]

    async def put_award(self, award: Award, *, at: datetime) -> int:
        values = {
            "claim_id": award.claim_id,
            "citizen_id": award.citizen_id,
            "benefit": award.benefit,
            "first_day": award.first_day,
            "nation": award.nation,
            "terms": _terms(award),
            "updated_at": at,
        }
        c = awards.c
        query = select(c.version, c.terms, c.nation, c.first_day).where(c.id == award.id)
        existing = (await self.session.execute(query)).first()
        if existing is None:
            await self.session.execute(awards.insert().values(id=award.id, version=1, **values))
            return 1
        # The same terms are the same version; a new nation (the person moved: other bank holidays move
        # their payments) or first day is new terms, as much as new amounts are.
        if (existing.terms, existing.nation, existing.first_day) == (
            values["terms"],
            award.nation,
            award.first_day,
        ):
            return int(existing.version)
        version = int(existing.version) + 1
        await self.session.execute(
            update(awards).where(awards.c.id == award.id).values(version=version, **values)
        )
        return version

    async def award(self, award_id: str) -> Award | None:
        row = (await self.session.execute(select(awards).where(awards.c.id == award_id))).first()
        return _award(row) if row else None

    async def awards_by_id(self, award_ids: list[str]) -> dict[str, tuple[Award, int]]:
        if not award_ids:
            return {}
        rows = (await self.session.execute(select(awards).where(awards.c.id.in_(award_ids)))).all()
        return {row.id: (_award(row), int(row.version)) for row in rows}

    async def awards_of(self, citizen_id: str) -> list[Award]:
        query = select(awards).where(awards.c.citizen_id == citizen_id).order_by(awards.c.first_day)
        return [_award(row) for row in (await self.session.execute(query)).all()]

    async def all_awards(self) -> list[Award]:
        rows = (await self.session.execute(select(awards).order_by(awards.c.id))).all()
        return [_award(row) for row in rows]

    async def instructions_of(self, citizen_id: str) -> dict[str, Instruction]:
        query = select(payment_instructions).where(payment_instructions.c.citizen_id == citizen_id)
        return {row.id: _instruction(row) for row in (await self.session.execute(query)).all()}

    async def instruction_ids(self, award_ids: list[str]) -> set[str]:
        if not award_ids:
            return set()
        query = select(payment_instructions.c.id).where(payment_instructions.c.award_id.in_(award_ids))
        return set((await self.session.execute(query)).scalars())

    async def instructed(self, award_ids: list[str]) -> dict[str, dict[int, int]]:
        found: dict[str, dict[int, int]] = {}
        if not award_ids:
            return found
        c = payment_instructions.c
        query = select(c.award_id, c.number, c.pence).where(c.award_id.in_(award_ids))
        for award_id, number, pence in (await self.session.execute(query)).all():
            found.setdefault(award_id, {})[number] = pence
        return found

    async def add_instructions(
        self, planned: list[tuple[Instruction, PaymentInstructionShape]], *, at: datetime
    ) -> None:
        if not planned:
            return
        rows = [
            {
                "id": instruction.id,
                "award_id": instruction.award_id,
                "claim_id": instruction.claim_id,
                "citizen_id": instruction.citizen_id,
                "number": instruction.number,
                "pay_on": instruction.pay_on,
                "pence": instruction.pence,
                "sealed": await self._cipher.seal(shape.model_dump_json(), context=INSTRUCTION_PURPOSE),
                "status": "pending",
                "attempts": 0,
                "created_at": at,
                "answered_at": None,
                "reason_code": None,
            }
            for instruction, shape in planned
        ]
        try:
            await self.session.execute(payment_instructions.insert(), rows)
        except IntegrityError as exc:
            # Another run planned some of these first: the instruction id is the primary key, so the
            # same payment can never be recorded (or sent) as two instructions.
            raise RunOverlap("Another payment run recorded these instructions first") from exc

    async def pending_instructions(self, limit: int) -> list[tuple[Instruction, PaymentInstructionShape]]:
        query = (
            select(payment_instructions)
            .where(payment_instructions.c.status == "pending")
            .order_by(payment_instructions.c.created_at, payment_instructions.c.id)
            .limit(limit)
        )
        rows = (await self.session.execute(query)).all()
        return [
            (
                _instruction(row),
                PaymentInstructionShape.model_validate_json(
                    await self._cipher.open(row.sealed, context=INSTRUCTION_PURPOSE)
                ),
            )
            for row in rows
        ]

    async def record_answers(self, answers: list[InstructionAnswer], *, at: datetime) -> list[Instruction]:
        groups: dict[tuple[str, str | None], list[str]] = {}
        for answer in answers:
            groups.setdefault((answer.status, answer.reason_code), []).append(answer.instruction_id)
        changed: list[str] = []
        table = payment_instructions
        for (status, reason_code), ids in groups.items():
            movable = table.c.status == "pending"
            if status == "returned":
                movable = movable | (table.c.status == "accepted")
            for start in range(0, len(ids), 500):
                result = await self.session.execute(
                    update(table)
                    .where(table.c.id.in_(ids[start : start + 500]), movable)
                    .values(
                        status=status, reason_code=reason_code, answered_at=at, attempts=table.c.attempts + 1
                    )
                    .returning(table.c.id)
                )
                changed.extend(result.scalars())
        found: list[Instruction] = []
        for start in range(0, len(changed), 500):
            query = select(table).where(table.c.id.in_(changed[start : start + 500]))
            found.extend(_instruction(row) for row in (await self.session.execute(query)).all())
        return found

    async def audit_many(self, entries: list[dict[str, Any]], *, actor: Actor, at: datetime) -> None:
        if not entries:
            return
        await self.session.execute(
            audit_log.insert(),
            [
                {
                    "id": str(uuid.uuid4()),
                    "citizen_id": entry["citizen_id"],
                    "actor": actor.subject,
                    "actor_kind": actor.kind,
                    "action": entry["action"],
                    "reason": None,
                    "before": None,
                    "after": json.dumps(entry["after"]),
                    "request_id": actor.request_id,
                    "at": at,
                }
                for entry in entries
            ],
        )

    async def cursor(self, name: str) -> str | None:
        query = select(cursors.c.value).where(cursors.c.name == name)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def set_cursor(self, name: str, value: str) -> None:
        """One upsert: two runs reading the returns at once both write the cursor, neither fails."""
        statement = conflict_insert(self.session, cursors).values(name=name, value=value)
        upsert = statement.on_conflict_do_update(index_elements=["name"], set_={"value": value})
        await self.session.execute(upsert)

    async def _columns(self, details: BankDetails) -> dict[str, Any]:
        account = details.account
        plain = json.dumps(
            {
                "sort_code": account.sort_code,
                "account_number": account.account_number,
                "account_name": account.account_name,
                "roll_number": account.roll_number,
            }
        )
        return {
            "account_index": self.account_index(account),
            "sealed": await self._cipher.seal(plain, context=BANK_PURPOSE),
            "version": details.version,
            "updated_at": details.updated_at,
        }

    async def _details(self, row: Row[Any]) -> BankDetails:
        # seal/open: KMS, when a data key is not cached, is called in a thread, off the event loop.
        opened = json.loads(await self._cipher.open(row.sealed, context=BANK_PURPOSE))
        return BankDetails(
            id=row.id,
            citizen_id=row.citizen_id,
            account=BankAccount(**opened),
            version=row.version,
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
        )


def _terms(award: Award) -> str:
    weeks = {"week_amounts": list(award.week_amounts)} if award.week_amounts else {}
    return json.dumps(
        {
            **weeks,
            "period_amounts": list(award.period_amounts),
            "deductions": [{"code": d.code, "pence": d.pence} for d in award.deductions],
            "advance": (
                {
                    "pence": award.advance.pence,
                    "paid_on": award.advance.paid_on.isoformat(),
                    "instalments": award.advance.instalments,
                }
                if award.advance
                else None
            ),
            "deduction_cap_pence": award.deduction_cap_pence,
            **(
                {"overpayment_recovery_limit_pence": award.overpayment_recovery_limit_pence}
                if award.overpayment_recovery_limit_pence is not None
                else {}
            ),
        },
        sort_keys=True,
    )


def _award(row: Row[Any]) -> Award:
    terms = json.loads(row.terms)
    advance = terms["advance"]
    return Award(
        id=row.id,
        claim_id=row.claim_id,
        citizen_id=row.citizen_id,
        benefit=row.benefit,
        first_day=row.first_day,
        nation=row.nation,
        period_amounts=tuple(terms["period_amounts"]),
        deductions=tuple(Deduction(d["code"], d["pence"]) for d in terms["deductions"]),
        advance=(
            Advance(advance["pence"], date.fromisoformat(advance["paid_on"]), advance["instalments"])
            if advance
            else None
        ),
        deduction_cap_pence=terms["deduction_cap_pence"],
        week_amounts=tuple(terms.get("week_amounts", ())),
        overpayment_recovery_limit_pence=terms.get("overpayment_recovery_limit_pence"),
    )


def _instruction(row: Row[Any]) -> Instruction:
    return Instruction(
        id=row.id,
        award_id=row.award_id,
        claim_id=row.claim_id,
        citizen_id=row.citizen_id,
        number=row.number,
        pay_on=row.pay_on,
        pence=row.pence,
        status=row.status,
        reason_code=row.reason_code,
    )


def _hold(row: Row[Any]) -> PaymentHold:
    return PaymentHold(
        id=row.id,
        citizen_id=row.citizen_id,
        bank_details_id=row.bank_details_id,
        reasons=tuple(r for r in row.reasons.split(",") if r),
        rules_version=row.rules_version,
        status=row.status,
        created_at=utc(row.created_at),
        decided_by=row.decided_by,
        decided_at=utc(row.decided_at) if row.decided_at else None,
        decision_reason=row.decision_reason,
    )


def utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def audit_view(details: BankDetails | None) -> dict[str, Any] | None:
    """What an audit entry shows of bank details: the masked account, never the whole number."""
    if details is None:
        return None
    return {
        "account": details.account.masked(),
        "roll_number": "[sealed]" if details.account.roll_number else None,
        "version": details.version,
    }
