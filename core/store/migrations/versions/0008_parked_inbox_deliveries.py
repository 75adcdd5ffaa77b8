"""Inbox deliveries that kept failing are `parked` (listed and put back by `baton inbox`), no longer `failed`.

Data only: rows an earlier version left as `failed` become `parked`, so `baton inbox list` shows them.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE inbox SET status = 'parked' WHERE status = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE inbox SET status = 'failed' WHERE status = 'parked'")
