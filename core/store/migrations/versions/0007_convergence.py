"""Convergence: which tickets Baton must look at in the tool again, and which it lost sight of.

`unverified` (a fact): a write of Baton's to the tool failed for good, so the tool's holder may differ from the
ledger's; the next poll reads the ticket and the ledger follows it. `open_handoff` and `lost` (projections of the
ledger): tickets with an open request are looked at too, so a deleted or hidden ticket's request is closed.
Existing rows start verified, not lost, and with their open request filled in by the next entry appended.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("unverified", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("open_handoff", sa.String(64)))
        batch.add_column(sa.Column("lost", sa.String(16)))
    op.create_index("ix_tickets_to_look_at", "tickets", ["instance", "unverified", "open_handoff"])


def downgrade() -> None:
    op.drop_index("ix_tickets_to_look_at", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        for name in ("lost", "open_handoff", "unverified"):
            batch.drop_column(name)
