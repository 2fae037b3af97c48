"""The citizen service's own tables, and the translation between rows and the domain's Citizen.

`CitizenRepository` is what the use cases see (the unit of work hands it over); `SqlCitizenRepository`
is it on the service's database. NINO and date of birth are stored sealed with KMS envelope encryption;
the NINO is found through its blind index, never by its plain value. The in-memory one for use-case
tests is `tests/fakes/citizen.py`; one contract suite runs on both so they cannot drift.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, bindparam, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.citizen.domain import Citizen, ContactPreferences, Nino, RegistrationHeld
from dwp.platform.auth import Actor
from dwp.platform.database import conflict_insert, new_metadata
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.retention import retention_runs_table
from dwp.platform.tables import audit_table, platform_tables

metadata = new_metadata()

citizens = Table(
    "citizens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("nino_index", String(64), nullable=False, unique=True),
    Column("nino_sealed", Text, nullable=False),
    Column("date_of_birth_sealed", Text, nullable=False),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
    Column("email", String(320), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("address_reference", String(64), nullable=True),
    Column("preferred_language", String(2), nullable=False),
    Column("contact_channels", String(64), nullable=False),
    Column("welsh_letters", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

audit_log = audit_table(metadata, "citizen_id")

registration_holds = Table(
    "registration_holds",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("citizen_id", String(36), nullable=False, index=True),
    # The NINO asked for, sealed and by its blind index (a caseworker matches it to the record).
    Column("nino_index", String(64), nullable=False, index=True),
    Column("nino_sealed", Text, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Registrations held for a caseworker instead of answered with a record (see `RegistrationHeld`)."""

held_citizens = Table(
    "held_citizens",
    metadata,
    # Records whose NINO, once folded to ASCII (migration 0004), was another record's: kept exactly as
    # stored (`record`, sealed fields still sealed) for a caseworker to resolve, found by `nino_index`.
    Column("id", String(36), primary_key=True),
    Column("duplicate_of", String(36), nullable=True),
    Column("reason", String(64), nullable=False),
    Column("nino_index", String(64), nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False),
)

outbox, inbox, idempotency_keys = platform_tables(metadata)

retention_runs = retention_runs_table(metadata)
"""The audit of this service's retention runs (`retention.py`): counts per rule, never what went."""

NINO_PURPOSE = "citizen.nino"
DOB_PURPOSE = "citizen.date_of_birth"
# Sealed fields are shown in audit records by what happened to them, never by value.
_SEALED = {"nino", "date_of_birth"}


class CitizenRepository(Protocol):
    """The citizen records, as the use cases see them."""

    async def get(self, citizen_id: str) -> Citizen | None: ...

    async def find_by_nino(self, nino: Nino) -> Citizen | None: ...

    async def add(self, citizen: Citizen) -> bool:
        """Store a new record (its `created_at` and `updated_at` set); False, storing nothing, if its id
        or its NINO is already on a record, including one a registration racing this one stored first
        (the transaction goes on: the use case then holds the registration or refuses it)."""
        ...

    async def hold(self, hold: RegistrationHeld, *, nino: Nino, requested_by: Actor) -> None:
        """Keep a registration for a caseworker (status "held") instead of creating the record."""
        ...

    async def save(self, citizen: Citizen, *, previous_version: int) -> bool:
        """Write a changed record if nobody else changed it first (optimistic lock on `version`)."""
        ...

    async def save_rectified(self, citizen: Citizen, *, previous_version: int) -> bool:
        """As `save`, and the sealed fields too (NINO, its blind index, date of birth): a caseworker's
        correction. False, writing nothing, if the version moved or the NINO is on another record
        (a correction racing another to one NINO included: the unique index decides)."""
        ...

    async def audit(
        self,
        *,
        citizen_id: str,
        actor: Actor,
        action: str,
        now: datetime,
        before: Citizen | None = None,
        after: Citizen | None = None,
        fields: list[str] | None = None,
        reason: str | None = None,
    ) -> None: ...

    async def audit_trail(self, citizen_id: str, *, after_id: str | None, limit: int) -> list[dict[str, Any]]:
        """Entries oldest first (by time, then id), after the entry `after_id` when it exists."""
        ...


# The hot read's statement, built once: SQLAlchemy memoises a statement object's cache key, so the same
# object each time skips building the key (and the select) on every profile read.
_BY_ID = select(citizens).where(citizens.c.id == bindparam("citizen_id"))


class SqlCitizenRepository:
    def __init__(self, session: AsyncConnection, cipher: PiiCipher, index: BlindIndex) -> None:
        self.session = session
        self._cipher = cipher
        self._index = index

    def nino_index(self, nino: Nino) -> str:
        return self._index.digest(nino.value, purpose=NINO_PURPOSE)

    async def get(self, citizen_id: str) -> Citizen | None:
        row = (await self.session.execute(_BY_ID, {"citizen_id": citizen_id})).first()
        return await self._to_domain(row) if row else None

    async def find_by_nino(self, nino: Nino) -> Citizen | None:
        query = select(citizens).where(citizens.c.nino_index == self.nino_index(nino))
        row = (await self.session.execute(query)).first()
        return await self._to_domain(row) if row else None

    async def add(self, citizen: Citizen) -> bool:
        assert citizen.created_at is not None
        assert citizen.updated_at is not None
        # ON CONFLICT DO NOTHING (on the primary key and the unique blind index): a registration that
        # raced this one past the use case's checks waits on the key and then is told, without an
        # error that would abort the transaction (PostgreSQL) before the use case can hold it.
        statement = conflict_insert(self.session, citizens).values(
            id=citizen.id,
            nino_index=self.nino_index(citizen.nino),
            nino_sealed=await self._cipher.seal(citizen.nino.value, context=NINO_PURPOSE),
            date_of_birth_sealed=await self._cipher.seal(
                citizen.date_of_birth.isoformat(), context=DOB_PURPOSE
            ),
            created_at=citizen.created_at,
            updated_at=citizen.updated_at,
            **self._plain_columns(citizen),
        )
        result = await self.session.execute(statement.on_conflict_do_nothing())
        return bool(result.rowcount)

    async def hold(self, hold: RegistrationHeld, *, nino: Nino, requested_by: Actor) -> None:
        await self.session.execute(
            registration_holds.insert().values(
                id=hold.id,
                citizen_id=hold.citizen_id,
                nino_index=self.nino_index(nino),
                nino_sealed=await self._cipher.seal(nino.value, context=NINO_PURPOSE),
                reason=hold.reason,
                status="held",
                requested_by=requested_by.subject,
                created_at=hold.created_at,
            )
        )

    async def save(self, citizen: Citizen, *, previous_version: int) -> bool:
        assert citizen.updated_at is not None
        result = await self.session.execute(
            update(citizens)
            .where(citizens.c.id == citizen.id, citizens.c.version == previous_version)
            .values(updated_at=citizen.updated_at, **self._plain_columns(citizen))
        )
        return bool(result.rowcount == 1)

    async def save_rectified(self, citizen: Citizen, *, previous_version: int) -> bool:
        assert citizen.updated_at is not None
        statement = (
            update(citizens)
            .where(citizens.c.id == citizen.id, citizens.c.version == previous_version)
            .values(
                updated_at=citizen.updated_at,
                nino_index=self.nino_index(citizen.nino),
                nino_sealed=await self._cipher.seal(citizen.nino.value, context=NINO_PURPOSE),
                date_of_birth_sealed=await self._cipher.seal(
                    citizen.date_of_birth.isoformat(), context=DOB_PURPOSE
                ),
                **self._plain_columns(citizen),
            )
        )
        # A savepoint: a NINO taken by a racing correction fails this statement only, not the
        # transaction (PostgreSQL aborts a transaction on an error), so the use case can say why.
        try:
            async with self.session.begin_nested():
                result = await self.session.execute(statement)
        except IntegrityError:
            return False
        return bool(result.rowcount == 1)

    async def audit(
        self,
        *,
        citizen_id: str,
        actor: Actor,
        action: str,
        now: datetime,
        before: Citizen | None = None,
        after: Citizen | None = None,
        fields: list[str] | None = None,
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
                before=audit_view(before, fields),
                after=audit_view(after, fields),
                request_id=actor.request_id,
                at=now,
            )
        )

    async def audit_trail(self, citizen_id: str, *, after_id: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(audit_log).where(audit_log.c.citizen_id == citizen_id)
        if after_id:
            cursor_row = (
                await self.session.execute(select(audit_log.c.at).where(audit_log.c.id == after_id))
            ).first()
            if cursor_row is not None:
                query = query.where(
                    (audit_log.c.at > cursor_row.at)
                    | ((audit_log.c.at == cursor_row.at) & (audit_log.c.id > after_id))
                )
        rows = (await self.session.execute(query.order_by(audit_log.c.at, audit_log.c.id).limit(limit))).all()
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
            for r in rows
        ]

    async def held_registrations(self, citizen_id: str) -> list[dict[str, Any]]:
        """The person's registrations held for a caseworker, the NINO each asked for opened (a
        subject access export: it is the person's own)."""
        h = registration_holds.c
        query = select(registration_holds).where(h.citizen_id == citizen_id).order_by(h.created_at, h.id)
        return [
            {
                "id": r.id,
                "national_insurance_number": await self._cipher.open(r.nino_sealed, context=NINO_PURPOSE),
                "reason": r.reason,
                "status": r.status,
                "requested_by": r.requested_by,
                "created_at": utc(r.created_at).isoformat(),
            }
            for r in (await self.session.execute(query)).all()
        ]

    @staticmethod
    def _plain_columns(citizen: Citizen) -> dict[str, Any]:
        return {
            "given_name": citizen.given_name,
            "family_name": citizen.family_name,
            "email": citizen.email,
            "phone": citizen.phone,
            "address_reference": citizen.address_reference,
            "preferred_language": citizen.preferred_language,
            "contact_channels": ",".join(citizen.contact.channels),
            "welsh_letters": int(citizen.contact.welsh_letters),
            "version": citizen.version,
        }

    async def _to_domain(self, row: Row[Any]) -> Citizen:
        return Citizen(
            id=row.id,
            given_name=row.given_name,
            family_name=row.family_name,
            date_of_birth=date.fromisoformat(
                await self._cipher.open(row.date_of_birth_sealed, context=DOB_PURPOSE)
            ),
            nino=Nino(await self._cipher.open(row.nino_sealed, context=NINO_PURPOSE)),
            email=row.email,
            phone=row.phone,
            address_reference=row.address_reference,
            preferred_language=row.preferred_language,
            contact=ContactPreferences(
                channels=tuple(row.contact_channels.split(",")),
                welsh_letters=bool(row.welsh_letters),
            ),
            version=row.version,
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
        )


def utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def audit_view(citizen: Citizen | None, fields: list[str] | None) -> str | None:
    """What an audit entry shows of a record: the fields named (or the profile's), sealed ones by
    what happened to them, never by value."""
    if citizen is None:
        return None
    names = fields or [
        "given_name",
        "family_name",
        "email",
        "phone",
        "address_reference",
        "preferred_language",
    ]
    view: dict[str, Any] = {}
    for name in names:
        if name in _SEALED:
            view[name] = "[sealed]"
        elif name == "contact":
            view[name] = {
                "channels": list(citizen.contact.channels),
                "welsh_letters": citizen.contact.welsh_letters,
            }
        else:
            view[name] = getattr(citizen, name)
    return json.dumps(view)
