"""The integrations service's one table: the audit of every access to a provider's data."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
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


async def record(
    connection: AsyncConnection,
    *,
    caller: str,
    caller_kind: str,
    request_id: str | None,
    claim_id: str,
    purpose: str,
    provider: str,
    dataset: str,
    subject: str,
    outcome: str,
    records: int,
    period_from: date | None = None,
    period_to: date | None = None,
) -> str:
    access_id = str(uuid.uuid4())
    await connection.execute(
        data_access.insert().values(
            id=access_id,
            at=datetime.now(UTC),
            caller=caller,
            caller_kind=caller_kind,
            request_id=request_id,
            claim_id=claim_id,
            purpose=purpose,
            provider=provider,
            dataset=dataset,
            subject=subject,
            period_from=period_from,
            period_to=period_to,
            outcome=outcome,
            records=records,
        )
    )
    return access_id


async def for_claim(connection: AsyncConnection, claim_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await connection.execute(
        select(data_access)
        .where(data_access.c.claim_id == claim_id)
        .order_by(data_access.c.at, data_access.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]
