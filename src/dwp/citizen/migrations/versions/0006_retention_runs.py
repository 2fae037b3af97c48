"""retention_runs: the audit of the service's retention runs (counts per rule, nothing deleted named)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

from dwp.platform.retention import create_runs_table

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_runs_table(op)


def downgrade() -> None:
    op.drop_table("retention_runs")
