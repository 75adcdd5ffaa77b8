"""Per-person API tokens: the API acts as the person a token was made for, never as one a request body names.

Only each token's SHA-256 is kept (the token is shown once, when made); `token_id` is the short public name the
CLI lists and revokes it by.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from baton_itsm.core.store.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(32), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime),
        sa.Column("revoked_at", UTCDateTime),
    )
    op.create_index("uq_api_tokens_token_sha256", "api_tokens", ["token_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_api_tokens_token_sha256", table_name="api_tokens")
    op.drop_table("api_tokens")
