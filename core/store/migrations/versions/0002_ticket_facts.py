"""Ticket facts the rules read (priority, category, status, activity) and the tool's own holder.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from baton_itsm.core.store.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS: list[tuple[str, type[sa.types.TypeEngine] | sa.types.TypeEngine]] = [
    ("subject", sa.Text),
    ("requester", sa.String(320)),
    ("priority", sa.String(64)),
    ("category", sa.String(200)),
    ("status", sa.String(64)),
    ("url", sa.Text),
    ("tool_group", sa.String(200)),
    ("tool_person", sa.String(200)),
]


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind))
        batch.add_column(sa.Column("last_activity_at", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for name, _ in [*COLUMNS, ("last_activity_at", None)]:
            batch.drop_column(name)
