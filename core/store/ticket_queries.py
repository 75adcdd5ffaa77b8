"""Reads of the tickets the ledger knows, for the API and the CLI (core/usecases/ticket_reach.py, core/web/api.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, select

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.store.schema import ledger_entries, tickets

CLOSING = ("accepted", "declined", "expired", "withdrawn")  # entry types that end a handoff request


def known(connection: Connection, key: TicketKey) -> bool:
    """Whether the ledger has seen this ticket."""
    query = select(tickets.c.id).where(tickets.c.instance == key.instance, tickets.c.external_id == key.ticket_id)
    return connection.execute(query).first() is not None


def open_requests(
    connection: Connection, to_group: str | None = None, ticket: TicketKey | None = None
) -> Sequence[Row]:
    """The `requested` entries no closing entry answered, oldest first, with their ticket's instance and external
    id (optionally only those to one group, or of one ticket)."""
    closed = select(ledger_entries.c.handoff_id).where(ledger_entries.c.entry_type.in_(CLOSING))
    query = (
        select(ledger_entries, tickets.c.instance, tickets.c.external_id)
        .join(tickets, tickets.c.id == ledger_entries.c.ticket_id)
        .where(ledger_entries.c.entry_type == "requested", ledger_entries.c.handoff_id.not_in(closed))
        .order_by(ledger_entries.c.at)
    )
    if to_group:
        query = query.where(ledger_entries.c.to_group == to_group)
    if ticket is not None:
        query = query.where(tickets.c.instance == ticket.instance, tickets.c.external_id == ticket.ticket_id)
    return connection.execute(query).all()
