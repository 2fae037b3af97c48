"""Use cases of the citizen service. Each takes a typed command (or a query's arguments), runs in one
unit of work (load, ask the domain, save, audit, record the event and any idempotent answer, commit), and
raises the domain's errors; so a failure part-way leaves nothing half-written. The clock is the
context's, so the rules (a date of birth in the past, an age of 16) see the same "today" as the records.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dwp.citizen import domain, events
from dwp.citizen.domain import (
    HELD_NINO_REGISTERED,
    AlreadyRegistered,
    ChangeContactPreferences,
    ChangeProfile,
    Citizen,
    CitizenNotFound,
    RectifyRecord,
    RegisterCitizen,
    RegistrationHeld,
)
from dwp.citizen.repository import CitizenRepository, SqlCitizenRepository, idempotency_keys, outbox
from dwp.platform.auth import Actor
from dwp.platform.database import Database
from dwp.platform.idempotency import IdempotencyKeys, Remember
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.uow import SqlUnitOfWorkFactory, UnitOfWorkFactory

UK = ZoneInfo("Europe/London")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CitizenContext:
    """What the use cases run with: a unit of work per use case, the clock, and the idempotency keys
    that the API claims before it calls a use case that creates."""

    uow: UnitOfWorkFactory[CitizenRepository]
    clock: Clock = utc_now
    idempotency: IdempotencyKeys | None = None

    @classmethod
    def on_database(
        cls, database: Database, cipher: PiiCipher, index: BlindIndex, *, clock: Clock = utc_now
    ) -> CitizenContext:
        keys = IdempotencyKeys(database, idempotency_keys, clock=clock)
        uow = SqlUnitOfWorkFactory[CitizenRepository](
            database,
            lambda connection: SqlCitizenRepository(connection, cipher, index),
            outbox_table=outbox,
            source=events.SOURCE,
            idempotency=keys,
        )
        return cls(uow=uow, clock=clock, idempotency=keys)

    def today(self) -> date:
        return self.clock().astimezone(UK).date()


Registration = Citizen | RegistrationHeld
"""What a registration gives: the record, or a hold for a caseworker (the NINO is another person's)."""


async def register_citizen(
    ctx: CitizenContext,
    command: RegisterCitizen,
    *,
    actor: Actor,
    proof: str,
    remember: Remember[Registration] | None = None,
) -> Registration:
    """Register a citizen whose identity `proof` says how was proven (kept in the audit entry, with
    who and when); `remember` records the answer for the request's Idempotency-Key.

    A NINO on another person's record is not refused (a refusal would tell anyone who asks that the
    NINO is registered): the registration is held, and a caseworker sorts it out. The same holds for
    two people registering one NINO at the same moment: one gets the record, the other the hold (the
    table's unique blind index decides, not the read before it); one person registering twice at the
    same moment gets their record once and `AlreadyRegistered` (their own) for the other."""
    now = ctx.clock()
    citizen = replace(domain.register(command, today=ctx.today()), created_at=now, updated_at=now)
    async with ctx.uow() as uow:
        if await uow.repository.get(citizen.id) is not None:
            raise AlreadyRegistered("You have already registered", existing_id=citizen.id)
        if await uow.repository.find_by_nino(citizen.nino) is None and await uow.repository.add(citizen):
            await uow.repository.audit(
                citizen_id=citizen.id, actor=actor, action="registered", after=citizen, now=now, reason=proof
            )
            await events.citizen_registered(uow.outbox, citizen)
            await uow.remember(remember, citizen)
            return citizen
        # The NINO is on a record already, found by the read or stored by a registration that raced
        # this one; if that record is this person's own (the race was theirs twice), say so.
        if await uow.repository.get(citizen.id) is not None:
            raise AlreadyRegistered("You have already registered", existing_id=citizen.id)
        hold = RegistrationHeld(
            id=str(uuid.uuid4()), citizen_id=citizen.id, reason=HELD_NINO_REGISTERED, created_at=now
        )
        await uow.repository.hold(hold, nino=citizen.nino, requested_by=actor)
        await events.registration_held(uow.outbox, hold)
        await uow.remember(remember, hold)
        return hold


async def get_citizen(ctx: CitizenContext, *, citizen_id: str) -> Citizen:
    async with ctx.uow(read_only=True) as uow:
        citizen = await uow.repository.get(citizen_id)
    if citizen is None:
        raise CitizenNotFound("No citizen with that id")
    return citizen


async def contact_for_service(ctx: CitizenContext, *, citizen_id: str, actor: Actor) -> Citizen:
    """A service reads a citizen's contact details to send them a message; the read is audited."""
    async with ctx.uow() as uow:
        citizen = await uow.repository.get(citizen_id)
        if citizen is None:
            raise CitizenNotFound("No citizen with that id")
        await uow.repository.audit(citizen_id=citizen_id, actor=actor, action="contact_read", now=ctx.clock())
    return citizen


async def view_citizen_as_caseworker(ctx: CitizenContext, *, citizen_id: str, actor: Actor) -> Citizen:
    """A caseworker reads a record; the read itself is audited."""
    async with ctx.uow() as uow:
        citizen = await uow.repository.get(citizen_id)
        if citizen is None:
            raise CitizenNotFound("No citizen with that id")
        await uow.repository.audit(citizen_id=citizen_id, actor=actor, action="viewed", now=ctx.clock())
    return citizen


async def update_profile(ctx: CitizenContext, command: ChangeProfile, *, actor: Actor) -> Citizen:
    return await _change(
        ctx,
        citizen_id=command.citizen_id,
        actor=actor,
        action="profile_changed",
        apply=lambda c: domain.change_profile(c, command.changes, expected_version=command.expected_version),
    )


async def update_contact_preferences(
    ctx: CitizenContext, command: ChangeContactPreferences, *, actor: Actor
) -> Citizen:
    preferences = domain.contact_preferences(command)
    return await _change(
        ctx,
        citizen_id=command.citizen_id,
        actor=actor,
        action="contact_preferences_changed",
        apply=lambda c: domain.change_contact_preferences(
            c, preferences, expected_version=command.expected_version
        ),
    )


async def _change(
    ctx: CitizenContext,
    *,
    citizen_id: str,
    actor: Actor,
    action: str,
    apply: Callable[[Citizen], tuple[Citizen, list[str]]],
) -> Citizen:
    now = ctx.clock()
    async with ctx.uow() as uow:
        before = await uow.repository.get(citizen_id)
        if before is None:
            raise CitizenNotFound("No citizen with that id")
        after, changed = apply(before)
        if not changed:
            return before
        after = replace(after, updated_at=now)
        if not await uow.repository.save(after, previous_version=before.version):
            raise domain.StaleVersion("The profile has changed since you read it; read it again and retry")
        await uow.repository.audit(
            citizen_id=citizen_id,
            actor=actor,
            action=action,
            before=before,
            after=after,
            fields=changed,
            now=now,
        )
        await events.profile_changed(uow.outbox, after, changed)
    return after


async def rectify_record(ctx: CitizenContext, command: RectifyRecord, *, actor: Actor) -> Citizen:
    """A caseworker corrects a record (UK GDPR Art 16), with a reason: audited with the record before
    and after (sealed fields as "[sealed]"), and `citizen.record_rectified` through the outbox."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        before = await uow.repository.get(command.citizen_id)
        if before is None:
            raise CitizenNotFound("No citizen with that id")
        after, changed = domain.rectify(before, command, today=ctx.today())
        if not changed:
            return before
        after = replace(after, updated_at=now)
        if "nino" in changed:
            other = await uow.repository.find_by_nino(after.nino)
            if other is not None and other.id != after.id:
                raise domain.NinoOnAnotherRecord("This National Insurance number is on another record")
        if not await uow.repository.save_rectified(after, previous_version=before.version):
            if await uow.repository.get(command.citizen_id) == before:
                raise domain.NinoOnAnotherRecord("This National Insurance number is on another record")
            raise domain.StaleVersion("The record has changed since you read it; read it again and retry")
        await uow.repository.audit(
            citizen_id=after.id,
            actor=actor,
            action="record_rectified",
            before=before,
            after=after,
            fields=changed,
            now=now,
            reason=command.reason.strip(),
        )
        await events.record_rectified(uow.outbox, after, changed)
    return after


async def search_by_nino(ctx: CitizenContext, *, nino: str, actor: Actor) -> list[Citizen]:
    """A caseworker's exact-match search by NINO, through the blind index; each match is audited."""
    parsed = domain.Nino.parse(nino)
    async with ctx.uow() as uow:
        found = await uow.repository.find_by_nino(parsed)
        if found is not None:
            await uow.repository.audit(
                citizen_id=found.id, actor=actor, action="found_by_nino", now=ctx.clock()
            )
    return [found] if found else []


async def audit_trail(
    ctx: CitizenContext, *, citizen_id: str, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    async with ctx.uow(read_only=True) as uow:
        if await uow.repository.get(citizen_id) is None:
            raise CitizenNotFound("No citizen with that id")
        return await uow.repository.audit_trail(citizen_id, after_id=cursor, limit=limit)
