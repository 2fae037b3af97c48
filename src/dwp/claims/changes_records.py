"""The claims service's tables for changes of circumstances and for its retention runs, and their
queries. They sit on the service's one `metadata` (`repository.py` imports this module at its end, so
migrations and the code declare the same tables)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Column, Date, DateTime, Integer, String, Table, Text, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.claims.repository import assessment_periods, metadata
from dwp.platform.pii import PiiCipher
from dwp.platform.retention import retention_runs_table

CHANGE_PURPOSE = "claims.change"

claim_changes = Table(
    "claim_changes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(36), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("happened_on", Date, nullable=False),
    Column("reported_on", Date, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("rule", String(200), nullable=False),
    Column("status", String(32), nullable=False),
    Column("overpayment_pence", Integer, nullable=False),
    Column("arrears_pence", Integer, nullable=False),
    Column("cause", String(20), nullable=True),
    # What the citizen said (a partner's date of birth, an employer, savings) and the revision: sealed.
    Column("document_sealed", Text, nullable=False),
    Column("reported_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Each change of circumstances reported on a claim, with when it took effect and what it came to; an
overpayment is recorded here with its cause (the claimant told DWP late, or an official error)."""


async def add_change(
    session: AsyncConnection, cipher: PiiCipher, *, row: dict[str, Any], document: dict[str, Any]
) -> None:
    sealed = await cipher.seal(json.dumps(document, sort_keys=True, default=str), context=CHANGE_PURPOSE)
    await session.execute(claim_changes.insert().values(**row, document_sealed=sealed))


async def changes_of(session: AsyncConnection, cipher: PiiCipher, claim_id: str) -> list[dict[str, Any]]:
    c = claim_changes.c
    query = select(claim_changes).where(c.claim_id == claim_id).order_by(c.created_at, c.id)
    found = []
    for row in (await session.execute(query)).all():
        item = dict(row._mapping)
        item["document"] = json.loads(await cipher.open(item.pop("document_sealed"), context=CHANGE_PURPOSE))
        found.append(item)
    return found


async def revise_period(
    session: AsyncConnection, claim_id: str, period_start: date, award_pence: int
) -> None:
    """A stored period's award as the change revised it (the change row keeps what it was)."""
    c = assessment_periods.c
    await session.execute(
        update(assessment_periods)
        .where(c.claim_id == claim_id, c.period_start == period_start)
        .values(award_pence=award_pence)
    )


retention_runs = retention_runs_table(metadata)
"""The audit of the service's retention runs (`dwp.claims.retention`): counts per rule, nothing else."""
