"""Use cases of the citizen service: each loads, asks the domain, saves, audits and records its event in
one transaction, so a failure part-way leaves nothing half-written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from dwp.citizen import domain, events
from dwp.citizen.domain import (
    Actor,
    AlreadyRegistered,
    Citizen,
    CitizenNotFound,
    ContactPreferences,
    IdempotencyKeyReused,
)
from dwp.citizen.repository import CitizenRepository
from dwp.platform.database import Database
from dwp.platform.pii import BlindIndex, PiiCipher

UK = ZoneInfo("Europe/London")


@dataclass
class CitizenContext:
    database: Database
    cipher: PiiCipher
    index: BlindIndex
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def today(self) -> date:
        return self.clock().astimezone(UK).date()


def _request_hash(details: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(details, sort_keys=True, default=str).encode()).hexdigest()


async def register_citizen(
    ctx: CitizenContext,
    *,
    citizen_id: str,
    details: dict[str, Any],
    actor: Actor,
    idempotency_key: str | None,
) -> tuple[Citizen, bool]:
    """Register a citizen; returns the record and whether this call created it (False on a replay)."""
    now = ctx.clock()
    contact = ContactPreferences(**details.get("contact_preferences", {}))
    fields = {
        k: v for k, v in details.items() if k not in ("contact_preferences", "national_insurance_number")
    }
    fields["nino"] = details["national_insurance_number"]
    citizen = domain.register(citizen_id=citizen_id, contact=contact, today=ctx.today(), **fields)
    request_hash = _request_hash(details)
    try:
        async with ctx.database.transaction() as session:
            repo = CitizenRepository(session, ctx.cipher, ctx.index)
            if idempotency_key:
                remembered = await repo.remembered_registration(actor.subject, idempotency_key)
                if remembered is not None:
                    if remembered[0] != request_hash:
                        raise IdempotencyKeyReused(
                            "This Idempotency-Key was used for a different registration"
                        )
                    existing = await repo.get(remembered[1])
                    if existing is not None:
                        return existing, False
            if await repo.get(citizen_id) is not None:
                raise AlreadyRegistered("You have already registered", existing_id=citizen_id)
            if await repo.find_by_nino(citizen.nino) is not None:
                raise AlreadyRegistered("This National Insurance number is already registered")
            citizen = replace(citizen, created_at=now, updated_at=now)
            await repo.add(citizen, now)
            await repo.audit(
                citizen_id=citizen.id,
                actor=actor,
                action="registered",
                after=citizen,
                now=now,
            )
            await events.citizen_registered(session, citizen)
            if idempotency_key:
                await repo.remember_registration(
                    actor.subject, idempotency_key, request_hash, citizen.id, now
                )
    except IntegrityError as exc:
        # Two registrations raced past the checks above; the unique blind index let only one through.
        raise AlreadyRegistered("This National Insurance number is already registered") from exc
    return citizen, True


async def get_citizen(ctx: CitizenContext, *, citizen_id: str) -> Citizen:
    async with ctx.database.read() as session:
        citizen = await CitizenRepository(session, ctx.cipher, ctx.index).get(citizen_id)
    if citizen is None:
        raise CitizenNotFound("No citizen with that id")
    return citizen


CONTACT_READERS = frozenset({"workers"})
"""Services that may read how to reach a citizen (the notifications worker), by their token's subject."""


async def contact_for_service(ctx: CitizenContext, *, citizen_id: str, actor: Actor) -> Citizen:
    """A service reads a citizen's contact details to send them a message; the read is audited."""
    async with ctx.database.transaction() as session:
        repo = CitizenRepository(session, ctx.cipher, ctx.index)
        citizen = await repo.get(citizen_id)
        if citizen is None:
            raise CitizenNotFound("No citizen with that id")
        await repo.audit(citizen_id=citizen_id, actor=actor, action="contact_read", now=ctx.clock())
    return citizen


async def view_citizen_as_caseworker(ctx: CitizenContext, *, citizen_id: str, actor: Actor) -> Citizen:
    """A caseworker reads a record; the read itself is audited."""
    async with ctx.database.transaction() as session:
        repo = CitizenRepository(session, ctx.cipher, ctx.index)
        citizen = await repo.get(citizen_id)
        if citizen is None:
            raise CitizenNotFound("No citizen with that id")
        await repo.audit(
            citizen_id=citizen_id,
            actor=actor,
            action="viewed",
            now=ctx.clock(),
        )
    return citizen


async def update_profile(
    ctx: CitizenContext,
    *,
    citizen_id: str,
    changes: dict[str, Any],
    expected_version: int | None,
    actor: Actor,
) -> Citizen:
    return await _change(
        ctx,
        citizen_id=citizen_id,
        actor=actor,
        action="profile_changed",
        apply=lambda c: domain.change_profile(c, changes, expected_version=expected_version),
    )


async def update_contact_preferences(
    ctx: CitizenContext,
    *,
    citizen_id: str,
    preferences: ContactPreferences,
    expected_version: int | None,
    actor: Actor,
) -> Citizen:
    return await _change(
        ctx,
        citizen_id=citizen_id,
        actor=actor,
        action="contact_preferences_changed",
        apply=lambda c: domain.change_contact_preferences(c, preferences, expected_version=expected_version),
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
    async with ctx.database.transaction() as session:
        repo = CitizenRepository(session, ctx.cipher, ctx.index)
        before = await repo.get(citizen_id)
        if before is None:
            raise CitizenNotFound("No citizen with that id")
        after, changed = apply(before)
        if not changed:
            return before
        if not await repo.save(after, previous_version=before.version, now=now):
            raise domain.StaleVersion("The profile has changed since you read it; read it again and retry")
        await repo.audit(
            citizen_id=citizen_id,
            actor=actor,
            action=action,
            before=before,
            after=after,
            fields=changed,
            now=now,
        )
        await events.profile_changed(session, after, changed)
    return replace(after, updated_at=now)


async def search_by_nino(ctx: CitizenContext, *, nino: str, actor: Actor) -> list[Citizen]:
    """A caseworker's exact-match search by NINO, through the blind index; each match is audited."""
    parsed = domain.Nino.parse(nino)
    async with ctx.database.transaction() as session:
        repo = CitizenRepository(session, ctx.cipher, ctx.index)
        found = await repo.find_by_nino(parsed)
        if found is not None:
            await repo.audit(
                citizen_id=found.id,
                actor=actor,
                action="found_by_nino",
                now=ctx.clock(),
            )
    return [found] if found else []


async def audit_trail(
    ctx: CitizenContext, *, citizen_id: str, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    async with ctx.database.read() as session:
        repo = CitizenRepository(session, ctx.cipher, ctx.index)
        if await repo.get(citizen_id) is None:
            raise CitizenNotFound("No citizen with that id")
        return await repo.audit_trail(citizen_id, after_id=cursor, limit=limit)
