"""One contract for the citizen repository and its unit of work, run on the in-memory fake that the
use-case tests use, on SQLite and on PostgreSQL: if the fake drifts from what the database does, this
fails on one of them."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dwp.citizen.domain import Citizen, ContactPreferences, Nino
from dwp.citizen.events import SOURCE
from dwp.citizen.repository import CitizenRepository, SqlCitizenRepository, outbox
from dwp.contracts.events import CitizenRegistered
from dwp.platform.auth import Actor
from dwp.platform.database import Database
from dwp.platform.settings import Settings
from dwp.platform.uow import SqlUnitOfWorkFactory, UnitOfWorkFactory
from tests.conftest import IN_CI, random_nino
from tests.fakes.citizen import in_memory_uow

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC)
ME = Actor(subject="c-1", kind="citizen", request_id="req-1")


def _backends() -> list[Any]:
    params: list[Any] = [pytest.param("memory", id="memory"), pytest.param("sqlite", id="sqlite")]
    if os.environ.get("DATABASE_URL") or IN_CI:
        params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


@dataclass
class Backend:
    uow: UnitOfWorkFactory[CitizenRepository]
    events: Callable[[str], Any]  # (citizen id) -> its committed event types, oldest first


@pytest.fixture(params=_backends())
def backend_settings(request: pytest.FixtureRequest, make_settings: Callable) -> Settings | None:
    """None for the in-memory backend; settings for a database otherwise (sync: the PostgreSQL
    fixture makes its database with a loop of its own)."""
    if request.param == "memory":
        return None
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return make_settings(database_url=url)  # type: ignore[no-any-return]


@pytest.fixture
async def backend(backend_settings: Settings | None) -> AsyncIterator[Backend]:
    if backend_settings is None:
        factory = in_memory_uow()

        async def memory_events(citizen_id: str) -> list[str]:
            return [e.event_type for _, e in factory.store.events if e.data.get("citizen_id") == citizen_id]

        yield Backend(factory, memory_events)
        return
    from dwp.platform.aws import bootstrap
    from dwp.platform.migrations import upgrade
    from dwp.platform.pii import BlindIndex, PiiCipher

    settings = backend_settings
    bootstrap(settings)
    await asyncio.to_thread(upgrade, "citizen", settings)
    database = Database(settings, "citizen")
    cipher, index = PiiCipher(settings), BlindIndex.from_settings(settings)
    sql = SqlUnitOfWorkFactory[CitizenRepository](
        database, lambda c: SqlCitizenRepository(c, cipher, index), outbox_table=outbox, source=SOURCE
    )

    async def sql_events(citizen_id: str) -> list[str]:
        # The PostgreSQL database is shared by the tests of a worker: each test uses ids of its own.
        query = select(outbox.c.event_type).where(outbox.c.envelope.contains(citizen_id))
        async with database.read() as connection:
            rows = await connection.execute(query.order_by(outbox.c.occurred_at))
            return [r.event_type for r in rows]

    try:
        yield Backend(sql, sql_events)
    finally:
        await database.dispose()


@pytest.fixture
def c1() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def c2() -> str:
    return str(uuid.uuid4())


def citizen(citizen_id: str, **overrides: Any) -> Citizen:
    values: dict[str, Any] = {
        "id": citizen_id,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": date(1990, 1, 1),
        "nino": Nino(random_nino()),
        "email": "ada@example.com",
        "phone": "+442079460123",
        "address_reference": "100023336956",
        "preferred_language": "cy",
        "contact": ContactPreferences(("email", "sms"), welsh_letters=True),
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return Citizen(**values)


async def add(backend: Backend, record: Citizen) -> None:
    async with backend.uow() as uow:
        assert await uow.repository.add(record)


async def test_a_record_reads_back_as_it_was_stored(backend: Backend, c1: str, c2: str) -> None:
    stored = citizen(c1)
    await add(backend, stored)
    async with backend.uow(read_only=True) as uow:
        assert await uow.repository.get(c1) == stored
        assert await uow.repository.find_by_nino(stored.nino) == stored
        assert await uow.repository.get("nobody") is None
        assert await uow.repository.find_by_nino(Nino(random_nino())) is None


async def test_an_id_or_a_nino_is_registered_once(backend: Backend, c1: str, c2: str) -> None:
    first = citizen(c1)
    await add(backend, first)
    async with backend.uow() as uow:
        # Refused without an error: the transaction goes on (the use case holds the registration).
        assert not await uow.repository.add(citizen(c2, nino=first.nino))
        assert not await uow.repository.add(citizen(c1))
        assert await uow.repository.get(c1) == first
    async with backend.uow(read_only=True) as uow:
        assert await uow.repository.get(c2) is None


async def test_save_is_an_optimistic_lock_on_version(backend: Backend, c1: str, c2: str) -> None:
    stored = citizen(c1)
    await add(backend, stored)
    later = NOW + timedelta(minutes=5)
    changed = replace(stored, email="new@example.com", version=2, updated_at=later)
    async with backend.uow() as uow:
        assert await uow.repository.save(changed, previous_version=1)
    async with backend.uow() as uow:
        assert not await uow.repository.save(replace(changed, email="lost@example.com"), previous_version=1)
        assert not await uow.repository.save(replace(stored, id="nobody"), previous_version=1)
    async with backend.uow(read_only=True) as uow:
        assert await uow.repository.get(c1) == changed


async def test_nothing_is_kept_when_the_unit_of_work_fails(backend: Backend, c1: str, c2: str) -> None:
    record = citizen(c1)

    async def fail_part_way() -> None:
        async with backend.uow() as uow:
            await uow.repository.add(record)
            await uow.repository.audit(citizen_id=c1, actor=ME, action="registered", after=record, now=NOW)
            await uow.outbox.add(
                "topic", CitizenRegistered(citizen_id=c1, preferred_language="cy", contact_by=[])
            )
            raise RuntimeError("failed part-way")

    with pytest.raises(RuntimeError, match="part-way"):
        await fail_part_way()
    async with backend.uow(read_only=True) as uow:
        assert await uow.repository.get(c1) is None
        assert await uow.repository.audit_trail(c1, after_id=None, limit=10) == []
    assert await backend.events(c1) == []


async def test_events_commit_with_the_change(backend: Backend, c1: str, c2: str) -> None:
    async with backend.uow() as uow:
        await uow.repository.add(citizen(c1))
        event_id = await uow.outbox.add(
            "topic", CitizenRegistered(citizen_id=c1, preferred_language="cy", contact_by=["email"])
        )
    assert event_id
    assert await backend.events(c1) == ["citizen.registered"]


async def test_audit_trail_order_views_and_cursor(backend: Backend, c1: str, c2: str) -> None:
    before = citizen(c1)
    after = replace(before, email="b@example.com", contact=ContactPreferences(("sms",)), version=2)
    await add(backend, before)
    caseworker = Actor(subject="cw-1", kind="caseworker", request_id=None)
    async with backend.uow() as uow:
        repo = uow.repository
        await repo.audit(citizen_id=c1, actor=ME, action="registered", after=before, now=NOW)
        await repo.audit(
            citizen_id=c1,
            actor=ME,
            action="profile_changed",
            before=before,
            after=after,
            fields=["contact", "email", "nino"],
            now=NOW + timedelta(seconds=1),
        )
        await repo.audit(
            citizen_id=c1,
            actor=caseworker,
            action="viewed",
            reason="checking",
            now=NOW + timedelta(seconds=2),
        )
        await repo.audit(citizen_id=c2, actor=ME, action="registered", now=NOW)
    async with backend.uow(read_only=True) as uow:
        trail = await uow.repository.audit_trail(c1, after_id=None, limit=10)
        assert [e["action"] for e in trail] == ["registered", "profile_changed", "viewed"]
        registered, changed, viewed = trail
        assert registered["after"] == {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "email": "ada@example.com",
            "phone": "+442079460123",
            "address_reference": "100023336956",
            "preferred_language": "cy",
        }
        assert registered["before"] is None
        assert (registered["actor"], registered["actor_kind"], registered["request_id"]) == (
            "c-1",
            "citizen",
            "req-1",
        )
        assert registered["at"] == NOW.isoformat()
        assert changed["before"] == {
            "contact": {"channels": ["email", "sms"], "welsh_letters": True},
            "email": "ada@example.com",
            "nino": "[sealed]",
        }
        assert changed["after"]["contact"] == {"channels": ["sms"], "welsh_letters": False}
        assert (viewed["actor_kind"], viewed["reason"], viewed["before"], viewed["after"]) == (
            "caseworker",
            "checking",
            None,
            None,
        )
        assert set(registered) == {
            "id",
            "actor",
            "actor_kind",
            "action",
            "reason",
            "before",
            "after",
            "request_id",
            "at",
        }
        page = await uow.repository.audit_trail(c1, after_id=registered["id"], limit=1)
        assert [e["action"] for e in page] == ["profile_changed"]
        rest = await uow.repository.audit_trail(c1, after_id=page[0]["id"], limit=10)
        assert [e["action"] for e in rest] == ["viewed"]
        unknown_cursor = await uow.repository.audit_trail(c1, after_id="no-such-entry", limit=2)
        assert [e["action"] for e in unknown_cursor] == ["registered", "profile_changed"]
