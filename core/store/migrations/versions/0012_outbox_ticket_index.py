"""The outbox is indexed by ticket, channel and status, for the requester digest a notice joins.

Every requester update looks for its ticket's open digest (core/notify/digest.py). With only the status index,
that lookup walked every pending outbox row: during a burst the pending rows are the backlog, so each notice
cost as much as the backlog was long (measured: 14 % of `baton run`'s time in a 10,000-delivery burst).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_ticket_channel_status", "outbox", ["ticket_id", "channel", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_ticket_channel_status", table_name="outbox")
