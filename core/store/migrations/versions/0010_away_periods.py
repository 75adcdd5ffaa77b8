"""Away periods set by `baton away` or the API, read by every `baton run` process; and which returns from leave
have had their digest, so each person gets one per period whatever the number of processes.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from baton_itsm.core.store.types import BigId, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "away_periods",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.Column("deputy", sa.String(200)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("cancelled_at", UTCDateTime),
    )
    op.create_index("ix_away_periods_ends_at", "away_periods", ["ends_at"])
    op.create_table(
        "away_returns",
        sa.Column("period_key", sa.String(400), primary_key=True),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("away_returns")
    op.drop_index("ix_away_periods_ends_at", table_name="away_periods")
    op.drop_table("away_periods")
