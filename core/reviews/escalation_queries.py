"""Finding escalation reviews in the ledger without loading every ticket.

Two queries: the handoff ids whose review is in the state asked for (the escalation_reviews table, which
the store writes with each review's opening, closing and reopening), then every entry of those handoffs
(through the handoff_id index), folded per handoff by the domain's own Ticket.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, select

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.reviews.escalation_views import EscalationReviewView
from baton_itsm.core.store.codec import row_to_event
from baton_itsm.core.store.schema import escalation_reviews, ledger_entries, tickets

class Listing(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


def review_ids(listing: Listing):
    """A subquery: the handoff ids of the escalation reviews in `listing` (from the escalation_reviews table,
    which the store keeps in step with the reviews' ledger entries)."""
    query = select(escalation_reviews.c.handoff_id)
    if listing is not Listing.ALL:
        query = query.where(escalation_reviews.c.state == str(listing))
    return query


def find_reviews(connection: Connection, now: datetime, listing: Listing = Listing.OPEN,
                 ticket: TicketKey | None = None, handoff_ids: Iterable[str] | None = None
                 ) -> list[EscalationReviewView]:
    """The reviews in `listing` (optionally of one ticket, or of these handoffs), oldest first."""
    ids = review_ids(listing) if handoff_ids is None else list(handoff_ids)
    query = (select(ledger_entries, tickets.c.instance, tickets.c.external_id, tickets.c.subject, tickets.c.url)
             .join(tickets, tickets.c.id == ledger_entries.c.ticket_id)
             .where(ledger_entries.c.handoff_id.in_(ids))
             .order_by(ledger_entries.c.ticket_id, ledger_entries.c.version))
    if ticket is not None:
        query = query.where(tickets.c.instance == ticket.instance, tickets.c.external_id == ticket.ticket_id)
    by_handoff: dict[tuple[TicketKey, str], list] = {}
    for row in connection.execute(query):
        by_handoff.setdefault((TicketKey(row.instance, row.external_id), row.handoff_id), []).append(row)
    views = [_view(key, handoff_id, rows, now) for (key, handoff_id), rows in by_handoff.items()]
    return sorted((v for v in views if v is not None), key=lambda v: (v.review.opened_at, v.handoff_id))


def _view(key: TicketKey, handoff_id: str, rows: list, now: datetime) -> EscalationReviewView | None:
    # One handoff's entries fold on their own: the request, its answers and its review never read the
    # ticket's other handoffs, so the domain's fold gives the review exactly as the whole ledger would.
    ticket = Ticket.from_events(key, (row_to_event(row, key) for row in rows))
    review = ticket.escalation_reviews.get(handoff_id)
    if review is None:
        return None  # asked by handoff id for a handoff that opened no review
    return EscalationReviewView(key, review, ticket.handoff(handoff_id), rows[-1].subject, rows[-1].url, now)
