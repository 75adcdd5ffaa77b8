"""Checkpoints: how far Baton has read each connector instance's changes.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from baton_itsm.core.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("instance", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("checkpoints")
