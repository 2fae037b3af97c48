"""fold stored NINOs to ASCII, recompute their blind index, and hold records that become duplicates

Before `dwp.contracts.identifiers`, a NINO written with another script's digits (fullwidth, Arabic-Indic,
NKo, ...) was stored as it was typed, with its own blind index: one person could be several citizens.
This unseals every stored NINO, folds it as the contracts type does, and reseals it with the blind index
of the folded value. When several records fold to one NINO, one keeps it (one whose NINO was typed in
ASCII, else the first registered) and each other is moved, exactly as stored, to `held_citizens` with
the id of the record it duplicates, for a caseworker to resolve; the audit log says what happened to
each. Works on SQLite and PostgreSQL; the KMS key and blind index key are read only when there are rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:10:00
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from dwp.contracts.identifiers import InvalidIdentifier, nino
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.settings import get_settings

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the repository used them when this was written; a migration must not move with later code.
NINO_PURPOSE = "citizen.nino"
ACTOR = "migration 0004"
_DATES = ("created_at", "updated_at")

citizens = sa.table(
    "citizens",
    *(sa.column(name) for name in (
        "id", "nino_index", "nino_sealed", "date_of_birth_sealed", "given_name", "family_name", "email",
        "phone", "address_reference", "preferred_language", "contact_channels", "welsh_letters", "version",
    )),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)  # fmt: skip
audit_log = sa.table(
    "audit_log",
    *(
        sa.column(n)
        for n in ("id", "citizen_id", "actor", "actor_kind", "action", "reason", "before", "after")
    ),
    sa.column("request_id"),
    sa.column("at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    held = op.create_table(
        "held_citizens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("duplicate_of", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("nino_index", sa.String(length=64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_citizens")),
    )
    with op.batch_alter_table("held_citizens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_citizens_nino_index"), ["nino_index"], unique=False)
    assert held is not None
    bind = op.get_bind()
    rows = [dict(r) for r in bind.execute(sa.select(citizens)).mappings()]
    if rows:
        settings = context.config.attributes.get("settings") or get_settings()
        _fold(bind, held, rows, PiiCipher(settings), BlindIndex.from_settings(settings))


def _fold(bind: sa.Connection, held: sa.Table, rows: list[dict[str, Any]], cipher: Any, index: Any) -> None:
    now = datetime.now(UTC)
    plans = []
    for row in rows:
        stored = cipher.decrypt(row["nino_sealed"], context=NINO_PURPOSE)
        try:
            folded: str | None = nino(stored)
        except InvalidIdentifier:
            folded = None  # cannot happen for values the old rules let in; held rather than guessed at
        plans.append((row, stored, folded))
    # Who keeps a NINO that several records fold to: one typed in ASCII, then the first registered.
    plans.sort(key=lambda p: (p[2] != p[1], _utc(p[0]["created_at"]), p[0]["id"]))
    keeper: dict[str, str] = {}
    holds: list[tuple[dict[str, Any], str | None, str, str]] = []
    folds: list[tuple[dict[str, Any], str, str]] = []
    for row, stored, folded in plans:
        if folded is None:
            holds.append((row, None, "invalid-nino", row["nino_index"]))
            continue
        digest = index.digest(folded, purpose=NINO_PURPOSE)
        if digest in keeper:
            holds.append((row, keeper[digest], "duplicate-nino", digest))
            continue
        keeper[digest] = row["id"]
        if folded != stored or digest != row["nino_index"]:
            folds.append((row, folded, digest))
    # Holds first: once they are out of the table, no folded index can meet another row's.
    for row, duplicate_of, reason, digest in holds:
        record = json.dumps({k: _utc(v).isoformat() if k in _DATES else v for k, v in row.items()})
        bind.execute(held.insert().values(
            id=row["id"], duplicate_of=duplicate_of, reason=reason, nino_index=digest, record=record,
            held_at=now,
        ))  # fmt: skip
        bind.execute(citizens.delete().where(citizens.c.id == row["id"]))
        why = f"its NINO, folded to ASCII, is that of citizen {duplicate_of}" if duplicate_of else reason
        _audit(bind, row["id"], "held", why, now)
    for row, folded, digest in folds:
        bind.execute(
            citizens.update()
            .where(citizens.c.id == row["id"])
            .values(nino_index=digest, nino_sealed=cipher.encrypt(folded, context=NINO_PURPOSE))
        )
        _audit(bind, row["id"], "nino-folded", "its NINO was stored with non-ASCII digits", now)


def _audit(bind: sa.Connection, citizen_id: str, action: str, reason: str, at: datetime) -> None:
    bind.execute(audit_log.insert().values(
        id=str(uuid.uuid4()), citizen_id=citizen_id, actor=ACTOR, actor_kind="system", action=action,
        reason=reason, before=None, after=None, request_id=None, at=at,
    ))  # fmt: skip


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive datetimes back


def downgrade() -> None:
    """Held records go back as they were stored; folded NINOs stay folded (they are the same numbers)."""
    bind = op.get_bind()
    held = sa.table("held_citizens", sa.column("record"))
    for (record,) in bind.execute(sa.select(held.c.record)).all():
        row = json.loads(record)
        bind.execute(citizens.insert().values(
            **{k: datetime.fromisoformat(v) if k in _DATES else v for k, v in row.items()}
        ))  # fmt: skip
    with op.batch_alter_table("held_citizens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_citizens_nino_index"))
    op.drop_table("held_citizens")
