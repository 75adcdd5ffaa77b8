"""Single-use accept/decline links: the uses, so a followed link cannot act twice.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from baton_itsm.core.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_tokens",
        sa.Column("token_id", sa.String(64), primary_key=True),
        sa.Column("handoff_id", sa.String(64), nullable=False),
        sa.Column("receiver", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("used_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_link_tokens_handoff_id", "link_tokens", ["handoff_id"])


def downgrade() -> None:
    op.drop_index("ix_link_tokens_handoff_id", table_name="link_tokens")
    op.drop_table("link_tokens")
