"""An index on the ledger's entry types: escalation reviews are found by their entries, not by loading tickets.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_entry_type_handoff_id", "ledger_entries", ["entry_type", "handoff_id"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_entry_type_handoff_id", table_name="ledger_entries")
