"""idempotency keys, the journal and partner invitations

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:58:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dwp.platform.migration_ops import create_idempotency_keys

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_idempotency_keys()
    op.create_table(
        "journal",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_sealed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal")),
    )
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "partner_invites",
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code_digest", name=op.f("pk_partner_invites")),
    )
    with op.batch_alter_table("partner_invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_invites_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("partner_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_invites_claim_id"))
    op.drop_table("partner_invites")
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_claim_id"))
    op.drop_table("journal")
    op.drop_table("idempotency_keys")
