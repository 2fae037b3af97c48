"""The benefits service's own tables: every assessment stored with the inputs it was worked out from and
the explanation it gave, so any payment can be explained later without re-running old rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic_core import to_json
from sqlalchemy import Column, Date, DateTime, Integer, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.benefits.domain.assessment import Assessment
from dwp.platform.database import new_metadata
from dwp.platform.tables import platform_tables

metadata = new_metadata()

assessments = Table(
    "assessments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(64), nullable=False, index=True),
    Column("benefit", String(32), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("tax_year", String(7), nullable=False),
    Column("award_pence", Integer, nullable=False),
    Column("inputs", Text, nullable=False),
    Column("kernel_inputs", Text, nullable=False),
    Column("amounts", Text, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox, inbox, idempotency_keys = platform_tables(metadata)


class AssessmentRepository(Protocol):
    """The stored assessments, as the use cases see them (the unit of work hands it over)."""

    async def add(self, a: Assessment) -> None: ...

    async def add_many(self, many: list[Assessment]) -> None: ...

    async def get(self, assessment_id: str) -> Assessment | None: ...


class SqlAssessmentRepository:
    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def add(self, a: Assessment) -> None:
        await self.session.execute(assessments.insert().values(**_row(a)))

    async def add_many(self, many: list[Assessment]) -> None:
        """A page of assessments in one statement (an executemany: one round trip per page)."""
        if many:
            await self.session.execute(assessments.insert(), [_row(a) for a in many])

    async def get(self, assessment_id: str) -> Assessment | None:
        row = (
            await self.session.execute(select(assessments).where(assessments.c.id == assessment_id))
        ).first()
        if row is None:
            return None
        m = row._mapping
        return Assessment(
            id=m["id"],
            claim_id=m["claim_id"],
            benefit=m["benefit"],
            period_start=m["period_start"],
            period_end=m["period_end"],
            tax_year=m["tax_year"],
            award_pence=m["award_pence"],
            inputs=json.loads(m["inputs"]),
            kernel_inputs=json.loads(m["kernel_inputs"]),
            amounts=json.loads(m["amounts"]),
            explanation=json.loads(m["explanation"]),
            actor=m["actor"],
            request_id=m["request_id"],
            created_at=_utc(m["created_at"]),
        )


def _row(a: Assessment) -> dict[str, object]:
    return dict(
        id=a.id,
        claim_id=a.claim_id,
        benefit=a.benefit,
        period_start=a.period_start,
        period_end=a.period_end,
        tax_year=a.tax_year,
        award_pence=a.award_pence,
        inputs=_json(a.inputs),
        kernel_inputs=_json(a.kernel_inputs),
        amounts=_json(a.amounts),
        explanation=_json(a.explanation),
        actor=a.actor,
        request_id=a.request_id,
        created_at=a.created_at,
    )


def _json(value: Any) -> str:
    """A column's JSON, encoded by pydantic-core (compiled: the standard library's encoder, four
    columns of every assessment of a page, was a sixth of the batch route's CPU). Read back with
    `json.loads` as before: the same values, in the order given rather than sorted, UTF-8 as it is
    (as `ensure_ascii=False`), anything JSON has no type for (a date) as `str` gives it."""
    return to_json(value, fallback=str).decode("utf-8")


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
