"""changes of circumstances (claim_changes) and the retention runs' audit (retention_runs)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dwp.platform.retention import create_runs_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_changes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("overpayment_pence", sa.Integer(), nullable=False),
        sa.Column("arrears_pence", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=True),
        sa.Column("document_sealed", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_changes")),
    )
    with op.batch_alter_table("claim_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_changes_claim_id"), ["claim_id"], unique=False)

    create_runs_table(op)


def downgrade() -> None:
    op.drop_table("retention_runs")
    with op.batch_alter_table("claim_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_changes_claim_id"))
    op.drop_table("claim_changes")
