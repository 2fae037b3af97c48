"""The platform's own tables (the audit log, the outbox, the inbox, the idempotency keys) as Alembic
operations, so that every service's migrations make them one way, the way the platform's code declares
them (`dwp.platform.tables`, `outbox.outbox_table`, `messaging.inbox_table`,
`idempotency.idempotency_table`).

These are frozen: a migration that has run must make the same schema when it runs again on a new
database, so a function here never changes what it makes. A change to a platform table is a new
function here and a new migration in every service that calls it (as `add_outbox_next_attempt_at` was
for the outbox's backoff). `tests/integration/test_migrations.py` checks that each service's migrations
make exactly the tables its code declares.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_audit_log(record_id: str) -> None:
    """The audit log of a service's records, keyed by the record's id column (`citizen_id`, `claim_id`)."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(record_id, sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_audit_log_{record_id}"), [record_id], unique=False)


def drop_audit_log(record_id: str) -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_audit_log_{record_id}"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
    op.drop_table("audit_log")


def create_outbox(*, next_attempt_at: bool = True) -> None:
    """The outbox the relay publishes from. The first services made it without `next_attempt_at` and
    added it later (`add_outbox_next_attempt_at`); a service's first migration makes it whole."""
    backoff = (
        [sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)] if next_attempt_at else []
    )
    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        *(backoff if next_attempt_at else []),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "occurred_at"], unique=False)


def drop_outbox() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")
    op.drop_table("outbox")


def add_outbox_next_attempt_at() -> None:
    """When a failed event may be tried again (the relay's per-event backoff). Nullable, so existing
    rows need no value: NULL means "due now", as for an event never tried."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def drop_outbox_next_attempt_at() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")


def create_inbox() -> None:
    """The events each consumer has handled, so a redelivery is handled once."""
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("consumer", sa.String(length=128), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_inbox")),
    )


def create_idempotency_keys() -> None:
    """The platform's idempotency keys: claimed before the request runs (a lease until `locked_until`),
    then holding the answer a replay returns."""
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("lease", sa.String(length=36), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_keys")),
    )


def create_idempotency_keys_of_ids(record_id: str) -> None:
    """The first services' idempotency keys, which kept only the request's hash and the id it created
    (`citizen_id`, `assessment_id`); replaced by `create_idempotency_keys` (their migration 0003)."""
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column(record_id, sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_keys")),
    )
