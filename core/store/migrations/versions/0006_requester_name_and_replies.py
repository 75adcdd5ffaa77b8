"""The requester's name as the tool has it, and each author's latest reply: what requester emails greet by
and what the report-back quotes as the resolution.

Tickets seen before this revision have neither until the tool states them again (the next change read).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("requester_name", sa.String(320)))
        batch.add_column(sa.Column("replies", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("replies")
        batch.drop_column("requester_name")
