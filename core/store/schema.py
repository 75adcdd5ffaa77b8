"""The tables. Migrations under migrations/versions create them; this module is how code reads them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from baton_itsm.core.store.types import BigId, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row per ticket Baton has seen: a projection of its ledger, kept in the same transaction.
tickets = Table(
    "tickets",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("instance", String(100), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("holder_group", String(200)),
    Column("holder_person", String(200)),
    Column("owner", String(200)),
    Column("version", Integer, nullable=False, default=0),
    Column("bounces", Integer, nullable=False, default=0),
    Column("first_assigned_at", UTCDateTime),
    Column("holder_since", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    # Facts as the tool states them (rev 0002): what the rules read, and the tool's own holder,
    # which differs from the governed holder while a held push waits for acceptance.
    Column("subject", Text),
    Column("requester", String(320)),
    Column("priority", String(64)),
    Column("category", String(200)),
    Column("status", String(64)),
    Column("url", Text),
    Column("tool_group", String(200)),
    Column("tool_person", String(200)),
    Column("last_activity_at", UTCDateTime),
    # rev 0006: the requester's name in the tool, and each author's latest reply (see TicketFacts.replies)
    Column("requester_name", String(320)),
    Column("replies", JSON),
    # Convergence (rev 0007): a failed write makes a ticket `unverified` until the tool is read again; tickets
    # with an open request or unverified are looked at each poll; `lost`: deleted, or hidden from Baton.
    Column("unverified", Boolean, nullable=False, server_default=false()),
    Column("open_handoff", String(64)),
    Column("lost", String(16)),
    UniqueConstraint("instance", "external_id"),
    Index("ix_tickets_to_look_at", "instance", "unverified", "open_handoff"),
)

# Append-only: triggers refuse UPDATE and DELETE. (ticket_id, version) unique refuses lost updates.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("ticket_id", BigId, ForeignKey("tickets.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("entry_type", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200)),
    Column("handoff_id", String(64), index=True),
    Column("from_group", String(200)),
    Column("from_person", String(200)),
    Column("to_group", String(200)),
    Column("to_person", String(200)),
    Column("kind", String(32)),
    Column("reason", Text),
    Column("data", JSON, nullable=False, default=dict),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("ticket_id", "version"),
)

# Incoming tool events, de-duplicated by the source's own event (delivery) id.
inbox = Table(
    "inbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", UTCDateTime),
    Column("processed_at", UTCDateTime),
    Column("last_error", Text),
    Column("ticket", String(210)),  # "instance:ticket id" of its first event: a ticket's deliveries in order
    UniqueConstraint("source", "event_id"),
    Index("ix_inbox_status_received_at", "status", "received_at"),
    Index("ix_inbox_status_id", "status", "id"),  # the oldest pending deliveries first (core/usecases/intake.py)
    Index("ix_inbox_ticket_status_id", "ticket", "status", "id"),
)

# Tool actions and notifications decided but not yet done. The idempotency key makes a repeat a no-op.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("channel", String(32), nullable=False),
    Column("ticket_id", BigId, ForeignKey("tickets.id")),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_outbox_ticket_channel_status", "ticket_id", "channel", "status", "id"),  # a ticket's open digest
)

# Live timers only: a fired or cancelled timer is deleted, so the due-time index holds what is due.
timers = Table(
    "timers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("timer_key", String(255), nullable=False, unique=True),
    Column("ticket_id", BigId, ForeignKey("tickets.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("handoff_id", String(64)),
    Column("due_at", UTCDateTime, nullable=False, index=True),
    Column("payload", JSON, nullable=False, default=dict),
    Column("claimed_until", UTCDateTime),
)

# Accept/decline links already followed (rev 0003): a link is single use, and its use must survive restarts.
link_tokens = Table(
    "link_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("handoff_id", String(64), nullable=False, index=True),
    Column("receiver", String(200), nullable=False),
    Column("action", String(16), nullable=False),  # accept or decline: what the link was used for
    Column("used_at", UTCDateTime, nullable=False),
)

# Escalation reviews and whether each is open (rev 0005): written with their ledger entries, so open reviews
# are listed from this small table; the ledger stays the record, and writing other entries costs nothing more.
escalation_reviews = Table(
    "escalation_reviews",
    metadata,
    Column("handoff_id", String(64), primary_key=True),
    Column("ticket_id", BigId, ForeignKey("tickets.id"), nullable=False),
    Column("state", String(16), nullable=False),  # open | closed
    Column("opened_at", UTCDateTime, nullable=False),
    Index("ix_escalation_reviews_state", "state"),
)

# How far each connector instance's changes have been read (rev 0004; an opaque cursor the connector gave).
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("instance", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Per-person API tokens (rev 0009): the SHA-256 of each token, never the token; `token_id` names it in the CLI.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column("token_sha256", String(64), nullable=False),
    Column("person", String(200), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Index("uq_api_tokens_token_sha256", "token_sha256", unique=True),
)

# Away periods set by `baton away` or the API (rev 0010); the deployment file's and ICS feeds' are not stored.
away_periods = Table(
    "away_periods",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("person", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("deputy", String(200)),
    Column("note", Text, nullable=False, server_default=""),
    Column("set_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime),
    Index("ix_away_periods_ends_at", "ends_at"),
)

# Returns from leave whose digest has gone (rev 0010), by period, whichever source the period came from.
away_returns = Table(
    "away_returns",
    metadata,
    Column("period_key", String(400), primary_key=True),
    Column("person", String(200), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
)
