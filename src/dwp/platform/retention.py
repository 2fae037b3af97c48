"""Retention: how long each service keeps each kind of record (`data/retention.toml`, with reasons and
sources), and the shared parts of a service's retention run.

Each service deletes its own records with its own code (`dwp/<service>/retention.py`: it knows its
tables and what belongs together); this module gives it the rules, the cut-off day, deletion in batches
(each batch its own transaction, so a run killed half-way has deleted whole batches only and the next run
goes on from there; nothing inside its time is ever selected), the audit table of runs (counts per rule,
never what was deleted) and the internal route the workers call:
`POST /v1/internal/{service}/retention/runs` (the workers' service token only).
"""

from __future__ import annotations

import json
import tomllib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, Text
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.platform.auth import Principal, allow_callers
from dwp.platform.database import Database
from dwp.platform.models import EdgeModel, IsoDate

UK = ZoneInfo("Europe/London")
RULES_FILE = Path(__file__).parent / "data" / "retention.toml"
BATCH = 500


@dataclass(frozen=True)
class Rule:
    name: str
    service: str
    records: str
    counted_from: str
    reason: str
    source: str
    keep_days: int | None = None
    keep_months: int | None = None

    def cutoff(self, today: date) -> date:
        """Records whose clock started before this day have passed their time."""
        if self.keep_months is not None:
            index = today.year * 12 + today.month - 1 - self.keep_months
            year, month = divmod(index, 12)
            day = min(
                today.day, [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
            )
            return date(year, month + 1, day)
        assert self.keep_days is not None
        return date.fromordinal(today.toordinal() - self.keep_days)

    def cutoff_moment(self, today: date) -> datetime:
        """The cut-off as the first moment of that UK day, in UTC (for timestamp columns)."""
        return datetime.combine(self.cutoff(today), time(0), tzinfo=UK).astimezone(UTC)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@cache
def all_rules() -> tuple[Rule, ...]:
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    return tuple(Rule(**rule) for rule in data["rule"])


def rules_version() -> str:
    return str(tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))["version"])


def rules_for(service: str) -> dict[str, Rule]:
    return {r.name: r for r in all_rules() if r.service == service}


def retention_runs_table(metadata: MetaData) -> Table:
    """A service's audit of its retention runs: when, up to which day, by whom, how many of each rule."""
    return Table(
        "retention_runs",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("as_of", Date, nullable=False),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("finished_at", DateTime(timezone=True), nullable=False),
        Column("requested_by", String(200), nullable=False),
        Column("rules_version", String(32), nullable=False),
        Column("deleted", Text, nullable=False),
    )


Select = Callable[[AsyncConnection, int], Awaitable[list[Any]]]
Delete = Callable[[AsyncConnection, list[Any]], Awaitable[None]]


async def in_batches(
    database: Database, select_keys: Select, delete_keys: Delete, *, batch: int = BATCH
) -> int:
    """Delete what `select_keys` finds, a batch per transaction, until it finds nothing; how many."""
    total = 0
    while True:
        async with database.transaction() as connection:
            keys = await select_keys(connection, batch)
            if not keys:
                return total
            await delete_keys(connection, keys)
            total += len(keys)


Purge = Callable[[date], Awaitable[dict[str, int]]]
"""A service's retention run up to a day: how many records of each of its rules it deleted."""


def uk_today() -> date:
    return datetime.now(UTC).astimezone(UK).date()


class RetentionRun(EdgeModel):
    as_of: IsoDate | None = Field(
        None, description="Delete what had passed its time on this day (default today)"
    )

    @model_validator(mode="after")
    def _not_in_the_future(self) -> RetentionRun:
        # A later day would delete records still inside their time: refused whoever asks.
        if self.as_of is not None and self.as_of > uk_today():
            raise ValueError("as_of must be today or earlier")
        return self


class RuleView(BaseModel):
    name: str
    records: str
    keep: str
    counted_from: str
    reason: str
    source: str
    cutoff: date
    deleted: int


class RetentionReport(BaseModel):
    run_id: str
    service: str
    as_of: date
    rules_version: str
    rules: list[RuleView]


RetentionRunner = Annotated[Principal, allow_callers("workers")]


def retention_router(
    service: str, purge_of: Callable[[Request], Purge], runs_of: Callable[[Request], tuple[Database, Table]]
) -> APIRouter:
    """The internal route through which the workers (or `dwp run retention`) start a service's run."""
    router = APIRouter(prefix=f"/v1/internal/{service}/retention", tags=["retention"])

    @router.post("/runs", response_model=RetentionReport, summary="Delete what has passed its retention")
    async def run(body: RetentionRun, request: Request, caller: RetentionRunner) -> RetentionReport:
        as_of = body.as_of or uk_today()
        started = datetime.now(UTC)
        deleted = await purge_of(request)(as_of)
        run_id = str(uuid.uuid4())
        database, table = runs_of(request)
        async with database.transaction() as connection:
            await connection.execute(
                table.insert().values(
                    id=run_id,
                    as_of=as_of,
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    requested_by=caller.subject,
                    rules_version=rules_version(),
                    deleted=json.dumps(deleted, sort_keys=True),
                )
            )
        rules = rules_for(service)
        return RetentionReport(
            run_id=run_id,
            service=service,
            as_of=as_of,
            rules_version=rules_version(),
            rules=[
                RuleView(
                    name=r.name,
                    records=r.records,
                    keep=f"{r.keep_months} months" if r.keep_months is not None else f"{r.keep_days} days",
                    counted_from=r.counted_from,
                    reason=r.reason,
                    source=r.source,
                    cutoff=r.cutoff(as_of),
                    deleted=deleted.get(r.name, 0),
                )
                for r in rules.values()
            ],
        )

    return router


def create_runs_table(op: Any) -> None:
    """The `retention_runs` table in a service's migration (the same columns as `retention_runs_table`)."""
    import sqlalchemy as sa

    op.create_table(
        "retention_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("rules_version", sa.String(length=32), nullable=False),
        sa.Column("deleted", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )


def router_on_context(
    service: str, purge: Callable[[Database, date], Awaitable[dict[str, int]]], runs: Table
) -> APIRouter:
    """`retention_router` for a service whose context (`app.state.<service>_context`) has a unit of work
    on its database, and whose purge needs nothing but the database."""

    def database_of(request: Request) -> Database:
        database: Database = getattr(request.app.state, f"{service}_context").uow.database
        return database

    def purge_of(request: Request) -> Purge:
        database = database_of(request)

        async def run(as_of: date) -> dict[str, int]:
            return await purge(database, as_of)

        return run

    return retention_router(service, purge_of, lambda request: (database_of(request), runs))
