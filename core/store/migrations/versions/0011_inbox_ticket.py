"""The inbox keeps each delivery's ticket in a column of its own, indexed with its status and order.

The inbox worker looks up a ticket's pending deliveries on every claim (the earlier ones keep its order) and
for every delivery that may be part of a write (core/usecases/joined_deliveries.py). Read out of each payload's JSON,
every lookup walked the whole backlog, so during a burst each claim cost as much as the backlog was long
and the worker fell further behind the longer the burst lasted. Rows kept before this revision get the
ticket from their payload here.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbox", sa.Column("ticket", sa.String(210)))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE inbox SET ticket = payload -> 'events' -> 0 ->> 'ticket'")
    else:
        op.execute("UPDATE inbox SET ticket = json_extract(payload, '$.events[0].ticket')")
    op.create_index("ix_inbox_status_id", "inbox", ["status", "id"])
    op.create_index("ix_inbox_ticket_status_id", "inbox", ["ticket", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_ticket_status_id", table_name="inbox")
    op.drop_index("ix_inbox_status_id", table_name="inbox")
    op.drop_column("inbox", "ticket")
