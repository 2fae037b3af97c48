"""The payments service's retention run (`dwp.platform.retention`'s rules `payments.*`).

An award's payment instructions go only with the award, and only when its every payment and its last
terms are past 6 years: deleting an instruction of an award still held would let the next run plan
that payment again (the instruction id is what makes a payment once)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.payments.repository import (
    audit_log,
    awards,
    known_devices,
    payment_holds,
    payment_instructions,
    retention_runs,
)
from dwp.platform.database import Database
from dwp.platform.retention import in_batches, router_on_context, rules_for

SERVICE = "payments"
RULES = rules_for(SERVICE)


def _ids(table: Any, key: Any, *where: Any) -> tuple[Any, Any]:
    async def select_ids(connection: AsyncConnection, batch: int) -> list[Any]:
        query = select(key).where(*where).order_by(key).limit(batch)
        return [r[0] for r in (await connection.execute(query)).all()]

    async def delete_ids(connection: AsyncConnection, ids: list[Any]) -> None:
        await connection.execute(delete(table).where(key.in_(ids)))

    return select_ids, delete_ids


async def purge(database: Database, as_of: date) -> dict[str, int]:
    devices = RULES["payments.known-devices"]
    holds = RULES["payments.decided-holds"]
    finished = RULES["payments.finished-awards"]
    audit = RULES["payments.audit-records"]
    d, h, a, i = known_devices.c, payment_holds.c, awards.c, payment_instructions.c
    last_paid = select(func.max(i.pay_on)).where(i.award_id == a.id).correlate(awards).scalar_subquery()

    async def delete_awards(connection: AsyncConnection, ids: list[str]) -> None:
        await connection.execute(delete(payment_instructions).where(i.award_id.in_(ids)))
        await connection.execute(delete(awards).where(a.id.in_(ids)))

    select_awards, _ = _ids(
        awards,
        a.id,
        a.updated_at < finished.cutoff_moment(as_of),
        # Every payment made is older than 6 years; an award never paid goes with its terms' age.
        func.coalesce(last_paid, a.first_day) < finished.cutoff(as_of),
    )
    return {
        # Devices are keyed by (citizen, device): the key is the pair.
        devices.name: await in_batches(
            database,
            *_pairs(known_devices, d.first_seen < devices.cutoff_moment(as_of)),
        ),
        holds.name: await in_batches(
            database,
            *_ids(payment_holds, h.id, h.status != "held", h.decided_at < holds.cutoff_moment(as_of)),
        ),
        finished.name: await in_batches(database, select_awards, delete_awards),
        audit.name: await in_batches(
            database, *_ids(audit_log, audit_log.c.id, audit_log.c.at < audit.cutoff_moment(as_of))
        ),
    }


def _pairs(table: Any, *where: Any) -> tuple[Any, Any]:
    c = table.c

    async def select_pairs(connection: AsyncConnection, batch: int) -> list[tuple[str, str]]:
        query = select(c.citizen_id, c.device_index).where(*where).order_by(c.citizen_id).limit(batch)
        return [(r[0], r[1]) for r in (await connection.execute(query)).all()]

    async def delete_pairs(connection: AsyncConnection, pairs: list[tuple[str, str]]) -> None:
        for citizen, device in pairs:
            await connection.execute(delete(table).where(c.citizen_id == citizen, c.device_index == device))

    return select_pairs, delete_pairs


router = router_on_context(SERVICE, purge, retention_runs)
