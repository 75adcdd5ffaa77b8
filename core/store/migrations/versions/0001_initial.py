"""Tickets, the append-only ledger, inbox, outbox and timers.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from baton_itsm.core.store.types import BigId, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = """
CREATE TRIGGER ledger_entries_append_only_{op} BEFORE {OP} ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be changed or removed'); END
"""
APPEND_ONLY_POSTGRES = [
    """
    CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the ledger is append-only: entries cannot be changed or removed'; END $$
    """,
    """
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()
    """,
]


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("instance", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("holder_group", sa.String(200)),
        sa.Column("holder_person", sa.String(200)),
        sa.Column("owner", sa.String(200)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("bounces", sa.Integer, nullable=False),
        sa.Column("first_assigned_at", UTCDateTime),
        sa.Column("holder_since", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("instance", "external_id", name="uq_tickets_instance_external_id"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id", name="fk_ledger_entries_ticket_id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("entry_type", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("handoff_id", sa.String(64)),
        sa.Column("from_group", sa.String(200)),
        sa.Column("from_person", sa.String(200)),
        sa.Column("to_group", sa.String(200)),
        sa.Column("to_person", sa.String(200)),
        sa.Column("kind", sa.String(32)),
        sa.Column("reason", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("ticket_id", "version", name="uq_ledger_entries_ticket_id_version"),
    )
    op.create_index("ix_ledger_entries_handoff_id", "ledger_entries", ["handoff_id"])
    op.create_table(
        "inbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("processed_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("source", "event_id", name="uq_inbox_source_event_id"),
    )
    op.create_index("ix_inbox_status_received_at", "inbox", ["status", "received_at"])
    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id", name="fk_outbox_ticket_id")),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "timers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("timer_key", sa.String(255), nullable=False),
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id", name="fk_timers_ticket_id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("handoff_id", sa.String(64)),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.UniqueConstraint("timer_key", name="uq_timers_timer_key"),
    )
    op.create_index("ix_timers_due_at", "timers", ["due_at"])

    if op.get_bind().dialect.name == "postgresql":
        for statement in APPEND_ONLY_POSTGRES:
            op.execute(statement)
    else:
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries")
        op.execute("DROP FUNCTION IF EXISTS ledger_entries_append_only()")
    for table in ("timers", "outbox", "inbox", "ledger_entries", "tickets"):
        op.drop_table(table)
