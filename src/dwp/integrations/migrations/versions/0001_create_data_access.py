"""create the data access audit table

Revision ID: 0001
Revises:
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_access",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("caller_kind", sa.String(length=20), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("dataset", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_access")),
    )
    with op.batch_alter_table("data_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_access_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_access_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_access_claim_id"))
        batch_op.drop_index(batch_op.f("ix_data_access_at"))
    op.drop_table("data_access")
