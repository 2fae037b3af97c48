"""evidence uploads: each upload's key, state, refusal, what was found, and its checked copy

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 23:10:00.000000

Chained on 0002, the last revision on this branch when it was written; the casework branch adds 0003
on 0002, and at merge this one goes after it (down_revision "0003").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("todo_id", sa.String(length=36), nullable=False),
        sa.Column("object_key", sa.String(length=200), nullable=False),
        sa.Column("declared_type", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("refusal", sa.String(length=32), nullable=True),
        sa.Column("detected_type", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stored_key", sa.String(length=200), nullable=True),
        sa.Column("signature", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_uploads")),
    )
    with op.batch_alter_table("evidence_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_uploads_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_uploads_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_uploads_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_uploads_state"))
        batch_op.drop_index(batch_op.f("ix_evidence_uploads_expires_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_uploads_claim_id"))
    op.drop_table("evidence_uploads")
