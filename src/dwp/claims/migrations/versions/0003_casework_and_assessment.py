"""casework and assessment: decisions, each assessment period's award, live UC awards, caseworker presence

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("benefit", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.String(length=64), nullable=True),
        sa.Column("reasons_sealed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_made_at"), ["made_at"], unique=False)

    op.create_table(
        "assessment_periods",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("benefit", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("award_pence", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.String(length=64), nullable=True),
        sa.Column("decision_id", sa.String(length=36), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("document_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_periods")),
        sa.UniqueConstraint("claim_id", "period_start", name=op.f("uq_assessment_periods_claim_id")),
    )
    with op.batch_alter_table("assessment_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_periods_period_end"), ["period_end"], unique=False)

    op.create_table(
        "uc_awards",
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("period_day", sa.Integer(), nullable=False),
        sa.Column("shard_hi", sa.BigInteger(), nullable=False),
        sa.Column("shard_lo", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_uc_awards")),
    )
    with op.batch_alter_table("uc_awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uc_awards_period_day"), ["period_day"], unique=False)

    op.create_table(
        "caseworker_presence",
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_caseworker_presence")),
    )
    with op.batch_alter_table("caseworker_presence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_caseworker_presence_last_seen_at"), ["last_seen_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("caseworker_presence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caseworker_presence_last_seen_at"))
    op.drop_table("caseworker_presence")
    with op.batch_alter_table("uc_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uc_awards_period_day"))
    op.drop_table("uc_awards")
    with op.batch_alter_table("assessment_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_periods_period_end"))
    op.drop_table("assessment_periods")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_made_at"))
        batch_op.drop_index(batch_op.f("ix_decisions_claim_id"))
    op.drop_table("decisions")
