"""create identity tables: signing keys and account links

Revision ID: 0001
Revises:
Create Date: 2026-11-24 21:20:00
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
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_jwk_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "accounts",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_sub", sa.String(length=200), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", "provider_sub", name=op.f("pk_accounts")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_accounts_subject_id")),
    )


def downgrade() -> None:
    op.drop_table("accounts")
    op.drop_table("signing_keys")
