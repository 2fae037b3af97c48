"""Migration 0004 on SQLite and PostgreSQL: NINOs stored with other scripts' digits are folded and
re-indexed, and records that become duplicates are held, not merged and not lost."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dwp.citizen.domain import Nino
from dwp.citizen.repository import (
    DOB_PURPOSE,
    NINO_PURPOSE,
    SqlCitizenRepository,
    audit_log,
    citizens,
    held_citizens,
)
from dwp.platform.database import Database
from dwp.platform.migrations import downgrade, upgrade
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.settings import Settings
from tests.conftest import DATABASES, _admin

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _digits(text: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in text)


async def _store_as_before(database: Database, cipher: PiiCipher, index: BlindIndex, **people: tuple) -> None:
    """Rows as the citizen service wrote them before NINOs were folded: the NINO as typed, its index too."""
    async with database.transaction() as tx:
        for citizen_id, (typed, created) in people.items():
            await tx.execute(
                citizens.insert().values(
                    id=citizen_id, nino_index=index.digest(typed, purpose=NINO_PURPOSE),
                    nino_sealed=cipher.encrypt(typed, context=NINO_PURPOSE),
                    date_of_birth_sealed=cipher.encrypt("1990-01-01", context=DOB_PURPOSE),
                    given_name=f"Person {citizen_id}", family_name="Jones", email=None, phone=None,
                    address_reference="100023336956", preferred_language="en", contact_channels="post",
                    welsh_letters=0, version=1, created_at=created, updated_at=created,
                )
            )  # fmt: skip


@pytest.fixture(params=DATABASES)
def fresh(request: pytest.FixtureRequest, make_settings: Any) -> Iterator[Settings]:
    """A database no other test has migrated: the migration under test must run from 0001 for real
    (each test worker otherwise shares one PostgreSQL database, long since at head)."""
    from sqlalchemy.engine import make_url

    from dwp.platform.aws import bootstrap

    if request.param == "sqlite":
        settings = make_settings()  # a SQLite file in this test's own folder
        bootstrap(settings)
        yield settings
        return
    base = make_url(os.environ["DATABASE_URL"])
    name = f"{base.database}_fold_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        settings = make_settings(database_url=base.set(database=name).render_as_string(hide_password=False))
        bootstrap(settings)
        yield settings
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_stored_ninos_are_folded_and_duplicates_held(fresh: Settings) -> None:
    settings = fresh
    await asyncio.to_thread(upgrade, "citizen", settings, "0003")  # the revision before the fold
    cipher, index = PiiCipher(settings), BlindIndex.from_settings(settings)
    twin, alone, other = (f"JM{uuid.uuid4().int % 10**6:06d}A" for _ in range(3))
    database = Database(settings, "citizen", pool_size=1, max_overflow=1)
    try:
        await _store_as_before(
            database, cipher, index,
            fullwidth=(_digits(twin, "\uff10"), T0),  # the first registered, but not typed in ASCII
            ascii=(twin, T0 + timedelta(days=1)),
            arabic=(_digits(twin, "\u0660"), T0 + timedelta(days=2)),
            nko=(_digits(alone, "\u07c0"), T0 + timedelta(days=3)),
            plain=(other, T0 + timedelta(days=4)),
        )  # fmt: skip
        await asyncio.to_thread(upgrade, "citizen", settings)

        async with database.read() as tx:
            kept = {r.id: r for r in (await tx.execute(select(citizens))).all()}
            held = {r.id: r for r in (await tx.execute(select(held_citizens))).all()}
            audit = [(r.citizen_id, r.action) for r in (await tx.execute(select(audit_log))).all()]
            repository = SqlCitizenRepository(tx, cipher, index)
            assert set(kept) == {"ascii", "nko", "plain"}
            assert {k: cipher.decrypt(r.nino_sealed, context=NINO_PURPOSE) for k, r in kept.items()} == {
                "ascii": twin, "nko": alone, "plain": other,
            }  # fmt: skip
            for citizen_id, value in (("ascii", twin), ("nko", alone), ("plain", other)):
                for typed in (value, _digits(value, "\u0966")):  # as typed today, in any digits
                    found = await repository.find_by_nino(Nino.parse(typed))
                    assert found is not None
                    assert found.id == citizen_id
        assert set(held) == {"fullwidth", "arabic"}
        for citizen_id, row in held.items():
            assert (row.duplicate_of, row.reason) == ("ascii", "duplicate-nino")
            assert row.nino_index == index.digest(twin, purpose=NINO_PURPOSE)
            record = json.loads(row.record)
            assert record["id"] == citizen_id
            assert record["given_name"] == f"Person {citizen_id}"
            assert twin not in row.record, "the held record keeps its NINO sealed"
        assert sorted(audit) == [("arabic", "held"), ("fullwidth", "held"), ("nko", "nino-folded")]

        # Down again: the held records come back exactly as they were; up again gives the same result.
        await asyncio.to_thread(downgrade, "citizen", settings, "0003")
        async with database.read() as tx:
            back = {r.id: r for r in (await tx.execute(select(citizens))).all()}
            assert set(back) == {"fullwidth", "ascii", "arabic", "nko", "plain"}
            restored = cipher.decrypt(back["fullwidth"].nino_sealed, context=NINO_PURPOSE)
            assert restored == _digits(twin, "\uff10")
            assert back["fullwidth"].created_at.replace(tzinfo=UTC) == T0
        await asyncio.to_thread(upgrade, "citizen", settings)
        async with database.read() as tx:
            assert {r.id for r in (await tx.execute(select(citizens))).all()} == {"ascii", "nko", "plain"}
            assert {r.id for r in (await tx.execute(select(held_citizens))).all()} == {"fullwidth", "arabic"}
    finally:
        await database.dispose()


async def test_the_migration_needs_no_keys_on_an_empty_database(make_settings) -> None:
    """A fresh database (a new environment, `dwp migrate` before bootstrap) migrates without KMS."""
    settings = make_settings(aws_endpoint_url="http://127.0.0.1:9")  # nothing listens there
    await asyncio.to_thread(upgrade, "citizen", settings)
