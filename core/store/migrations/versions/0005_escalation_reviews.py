"""Escalation reviews and whether each is open, beside their ledger entries: open reviews are listed from here.

Reviews come with this revision, so no ledger holds any before it: the table starts empty.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from baton_itsm.core.store.types import BigId, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_reviews",
        sa.Column("handoff_id", sa.String(64), primary_key=True),
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_escalation_reviews_state", "escalation_reviews", ["state"])


def downgrade() -> None:
    op.drop_index("ix_escalation_reviews_state", table_name="escalation_reviews")
    op.drop_table("escalation_reviews")
