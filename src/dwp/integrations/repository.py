"""The integrations service's one table: the audit of every access to a provider's data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Date, DateTime, Integer, String, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.platform.database import new_metadata

metadata = new_metadata()

data_access = Table(
    "data_access",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("caller", String(200), nullable=False),
    Column("caller_kind", String(20), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("claim_id", String(64), nullable=False, index=True),
    Column("purpose", String(64), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("dataset", String(32), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("period_from", Date, nullable=True),
    Column("period_to", Date, nullable=True),
    Column("outcome", String(32), nullable=False),
    Column("records", Integer, nullable=False),
)


async def record_many(connection: AsyncConnection, accesses: list[dict[str, Any]]) -> list[str]:
    """Insert audit records (the values of `data_access` but its id and time): their ids, in order."""
    at = datetime.now(UTC)
    rows = [{**values, "id": str(uuid.uuid4()), "at": at} for values in accesses]
    await connection.execute(data_access.insert(), rows)
    return [row["id"] for row in rows]


async def for_claim(connection: AsyncConnection, claim_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await connection.execute(
        select(data_access)
        .where(data_access.c.claim_id == claim_id)
        .order_by(data_access.c.at, data_access.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]
