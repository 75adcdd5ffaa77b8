"""Finding escalation reviews in the ledger without loading every ticket.

Two queries: the handoff ids whose review is in the state asked for (from the review's own entries,
grouped by handoff id), then every entry of those handoffs (through the handoff_id index), folded per
handoff by the domain's own Ticket. A review is closed when it has more closings than reopenings: the
protocol lets close and reopen only alternate, so the balance is 1 or 0.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, case, func, select

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.review_events import (
    EscalationReviewClosed, EscalationReviewOpened, EscalationReviewReopened,
)
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.reviews.escalation_views import EscalationReviewView
from baton_itsm.core.store.codec import row_to_event
from baton_itsm.core.store.schema import ledger_entries, tickets

OPENED, CLOSED, REOPENED = (EscalationReviewOpened.entry_type, EscalationReviewClosed.entry_type,
                            EscalationReviewReopened.entry_type)


class Listing(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


def review_ids(listing: Listing):
    """A subquery: the handoff ids of the escalation reviews in `listing`."""
    entry = ledger_entries.c
    count = lambda entry_type: func.sum(case((entry.entry_type == entry_type, 1), else_=0))  # noqa: E731
    query = (select(entry.handoff_id).where(entry.entry_type.in_([OPENED, CLOSED, REOPENED]))
             .group_by(entry.handoff_id).having(count(OPENED) > 0))
    if listing is Listing.OPEN:
        query = query.having(count(CLOSED) == count(REOPENED))
    elif listing is Listing.CLOSED:
        query = query.having(count(CLOSED) > count(REOPENED))
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
