"""The tables the platform's shared pieces keep in every service's own schema, declared in one place:
the outbox (`outbox`), the inbox (`messaging`), the idempotency keys (`idempotency`) and, for a service
that audits changes to its records, the audit log. A service's repository calls these on its metadata,
so that its migrations (which make them with `migration_ops`) and its code agree."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

from dwp.platform.idempotency import idempotency_table
from dwp.platform.messaging import inbox_table
from dwp.platform.outbox import outbox_table


class PlatformTables(NamedTuple):
    outbox: Table
    inbox: Table
    idempotency_keys: Table


def platform_tables(metadata: MetaData) -> PlatformTables:
    """The outbox, the inbox and the idempotency keys, on a service's metadata."""
    return PlatformTables(outbox_table(metadata), inbox_table(metadata), idempotency_table(metadata))


def audit_table(metadata: MetaData, record_id: str) -> Table:
    """The audit log of a service's records: who did what to which record (`record_id`, the record's
    id column: `citizen_id`, `claim_id`), when, why, and the state before and after, as JSON."""
    return Table(
        "audit_log",
        metadata,
        Column("id", String(36), primary_key=True),
        Column(record_id, String(36), nullable=False, index=True),
        Column("actor", String(200), nullable=False),
        Column("actor_kind", String(20), nullable=False),
        Column("action", String(64), nullable=False),
        Column("reason", Text, nullable=True),
        Column("before", Text, nullable=True),
        Column("after", Text, nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("at", DateTime(timezone=True), nullable=False, index=True),
    )
