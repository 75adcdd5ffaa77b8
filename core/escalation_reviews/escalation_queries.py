"""Finding escalation reviews in the ledger without loading every ticket.

One query (core/store/review_queries.py): every entry of the handoffs whose review is in the state asked for (the
escalation_reviews table, which the store writes with each review's opening, closing and reopening, then the
handoff_id index), folded here per handoff by the domain's own Ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.escalation_reviews.escalation_views import EscalationReviewView
from baton_itsm.core.store.codec import row_to_event
from baton_itsm.core.store.review_queries import review_entries


class Listing(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


def find_reviews(
    connection,
    now: datetime,
    listing: Listing = Listing.OPEN,
    ticket: TicketKey | None = None,
    handoff_ids: Iterable[str] | None = None,
) -> list[EscalationReviewView]:
    """The reviews in `listing` (optionally of one ticket, or of these handoffs), oldest first."""
    state = None if listing is Listing.ALL else str(listing)
    by_handoff: dict[tuple[TicketKey, str], list] = {}
    for row in review_entries(connection, state, ticket, handoff_ids):
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
