"""idempotency keys record the answer they replay

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:10:00

The platform's idempotency keys (dwp.platform.idempotency) claim a key before the request runs and keep
the response it answered, so that a replay returns the original status and body and a retry in flight gets
409. The old table held only a request hash and the id created, which cannot be replayed as the original
answer: its rows are dropped with it. A client retrying across this upgrade with a key from before it is
answered as a request without a key would be.
"""

from collections.abc import Sequence

from alembic import op

from dwp.platform.migration_ops import create_idempotency_keys, create_idempotency_keys_of_ids

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("idempotency_keys")
    create_idempotency_keys()


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    create_idempotency_keys_of_ids("citizen_id")
