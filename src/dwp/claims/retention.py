"""The claims service's retention run (`dwp.platform.retention`'s rules `claims.*`): unsubmitted drafts
after 28 days, finished claims (withdrawn, closed, disallowed) 24 months after their last change; each
with everything that belongs to it, in this service's own tables, and its evidence in the bucket (every
version of every object) before its rows, so a run killed between the two leaves rows to find again,
never objects nobody can find.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.claims.changes_records import claim_changes, retention_runs
from dwp.claims.repository import (
    assessment_periods,
    audit_log,
    claims,
    decisions,
    evidence_uploads,
    journal,
    partner_invites,
    uc_awards,
    work_items,
)
from dwp.platform.database import Database
from dwp.platform.retention import BATCH, Purge, in_batches, retention_router, rules_for

SERVICE = "claims"
RULES = rules_for(SERVICE)
FINISHED = ("withdrawn", "closed", "disallowed")
BELONGING: tuple[Table, ...] = (
    work_items,
    audit_log,
    journal,
    partner_invites,
    evidence_uploads,
    decisions,
    assessment_periods,
    uc_awards,
    claim_changes,
)
"""Every table with a claim's rows (by `claim_id`), deleted with the claim."""

DeleteObjects = Callable[[list[str]], None]


def bucket_deleter(s3: Any, bucket: str) -> DeleteObjects:
    """Delete every version (and delete marker) of each key: a versioned bucket keeps old versions."""

    def delete_all(keys: list[str]) -> None:
        for key in keys:
            found = s3.list_object_versions(Bucket=bucket, Prefix=key)
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in found.get("Versions", []) + found.get("DeleteMarkers", [])
                if v["Key"] == key
            ]
            if doomed:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})

    return delete_all


async def purge(
    database: Database, as_of: date, *, objects: DeleteObjects | None = None, batch: int = BATCH
) -> dict[str, int]:
    """Delete every claim past its time, with all that belongs to it; counts per rule."""
    c = claims.c
    drafts = RULES["claims.unsubmitted-drafts"]
    finished = RULES["claims.finished-claims"]

    async def delete_claims(connection: AsyncConnection, ids: list[str]) -> None:
        if objects is not None:
            u = evidence_uploads.c
            rows = (
                await connection.execute(select(u.object_key, u.stored_key).where(u.claim_id.in_(ids)))
            ).all()
            keys = sorted({k for row in rows for k in row if k})
            if keys:
                await asyncio.to_thread(objects, keys)
        for table in BELONGING:
            await connection.execute(delete(table).where(table.c.claim_id.in_(ids)))
        await connection.execute(delete(claims).where(c.id.in_(ids)))

    def past(statuses: tuple[str, ...], cutoff: Any) -> Callable[[AsyncConnection, int], Any]:
        async def select_ids(connection: AsyncConnection, batch: int) -> list[str]:
            query = (
                select(c.id)
                .where(c.status.in_(statuses), c.updated_at < cutoff)
                .order_by(c.updated_at, c.id)
                .limit(batch)
            )
            return [r[0] for r in (await connection.execute(query)).all()]

        return select_ids

    return {
        drafts.name: await in_batches(
            database, past(("draft",), drafts.cutoff_moment(as_of)), delete_claims, batch=batch
        ),
        finished.name: await in_batches(
            database, past(FINISHED, finished.cutoff_moment(as_of)), delete_claims, batch=batch
        ),
    }


def _purge_of(request: Request) -> Purge:
    database: Database = request.app.state.claims_context.database
    evidence = getattr(request.app.state, "evidence", None)
    objects = bucket_deleter(evidence.store._s3, evidence.store.bucket) if evidence is not None else None

    async def run(as_of: date) -> dict[str, int]:
        return await purge(database, as_of, objects=objects)

    return run


def _runs_of(request: Request) -> tuple[Database, Table]:
    return request.app.state.claims_context.database, retention_runs


router = retention_router(SERVICE, _purge_of, _runs_of)
