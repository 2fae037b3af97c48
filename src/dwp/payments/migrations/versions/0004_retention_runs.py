"""retention_runs: the audit of the service's retention runs (counts per rule, nothing deleted named)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

from dwp.platform.retention import create_runs_table

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_runs_table(op)


def downgrade() -> None:
    op.drop_table("retention_runs")
