"""The ledger entries of escalation reviews, found through the escalation_reviews table (which the unit of work
keeps in step with the reviews' entries) and the handoff_id index, not by loading every ticket."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Row, select

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.store.schema import escalation_reviews, ledger_entries, tickets


def review_ids(state: str | None):
    """A subquery: the handoff ids of the escalation reviews in `state` (open, closed; None: all)."""
    query = select(escalation_reviews.c.handoff_id)
    if state is not None:
        query = query.where(escalation_reviews.c.state == state)
    return query


def review_entries(
    connection: Connection,
    state: str | None = None,
    ticket: TicketKey | None = None,
    handoff_ids: Iterable[str] | None = None,
) -> Sequence[Row]:
    """Every entry of the handoffs whose review is in `state` (or of these handoffs), optionally of one ticket, by
    ticket and version, each with its ticket's instance, external id, subject and url."""
    ids = review_ids(state) if handoff_ids is None else list(handoff_ids)
    query = (
        select(ledger_entries, tickets.c.instance, tickets.c.external_id, tickets.c.subject, tickets.c.url)
        .join(tickets, tickets.c.id == ledger_entries.c.ticket_id)
        .where(ledger_entries.c.handoff_id.in_(ids))
        .order_by(ledger_entries.c.ticket_id, ledger_entries.c.version)
    )
    if ticket is not None:
        query = query.where(tickets.c.instance == ticket.instance, tickets.c.external_id == ticket.ticket_id)
    return connection.execute(query).all()
