"""outbox: when a failed event may be tried again (per-event backoff of the relay)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:10:00.000000
"""

from collections.abc import Sequence

from dwp.platform.migration_ops import add_outbox_next_attempt_at, drop_outbox_next_attempt_at

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_next_attempt_at()


def downgrade() -> None:
    drop_outbox_next_attempt_at()
