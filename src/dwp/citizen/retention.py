"""The citizen service's retention run (`dwp.platform.retention`'s rules `citizen.*`): audit records
24 months after they were written, and registration holds a caseworker decided 24 months after the
hold. The citizen record itself stays: this service does not know when DWP's interest in a person ends
(the claims service does), so no record is deleted on a guess."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.citizen.repository import audit_log, registration_holds, retention_runs
from dwp.platform.database import Database
from dwp.platform.retention import in_batches, router_on_context, rules_for

SERVICE = "citizen"
RULES = rules_for(SERVICE)


def _by_id(table: Table, *where: Any) -> tuple[Any, Any]:
    async def select_ids(connection: AsyncConnection, batch: int) -> list[str]:
        query = select(table.c.id).where(*where).order_by(table.c.id).limit(batch)
        return [r[0] for r in (await connection.execute(query)).all()]

    async def delete_ids(connection: AsyncConnection, ids: list[str]) -> None:
        await connection.execute(delete(table).where(table.c.id.in_(ids)))

    return select_ids, delete_ids


async def purge(database: Database, as_of: date) -> dict[str, int]:
    audit = RULES["citizen.audit-records"]
    holds = RULES["citizen.decided-registration-holds"]
    h = registration_holds.c
    return {
        audit.name: await in_batches(
            database, *_by_id(audit_log, audit_log.c.at < audit.cutoff_moment(as_of))
        ),
        holds.name: await in_batches(
            database,
            *_by_id(registration_holds, h.status != "held", h.created_at < holds.cutoff_moment(as_of)),
        ),
    }


router = router_on_context(SERVICE, purge, retention_runs)
