"""registration holds: a registration whose NINO is another person's record's, kept for a caseworker

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:30:00

Written on 0003; chained after 0004 (NINO folding) once that reached main. `held_citizens` (0004) keeps
records that folding found duplicated; this keeps registrations that never became records.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registration_holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("nino_index", sa.String(length=64), nullable=False),
        sa.Column("nino_sealed", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_holds")),
    )
    op.create_index(
        op.f("ix_registration_holds_citizen_id"), "registration_holds", ["citizen_id"], unique=False
    )
    op.create_index(
        op.f("ix_registration_holds_nino_index"), "registration_holds", ["nino_index"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_registration_holds_nino_index"), table_name="registration_holds")
    op.drop_index(op.f("ix_registration_holds_citizen_id"), table_name="registration_holds")
    op.drop_table("registration_holds")
