"""A ticket's row in `tickets` as a unit of work writes and reads it: the projection of its ledger (holder, owner,
bounces, version...) and the tool's facts (subject, priority, status...)."""

from __future__ import annotations

from typing import Any

from baton_itsm.core.domain.facts import TicketFacts, replies_from_json, replies_to_json
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.domain.ticket import Ticket


def projection_columns(ticket: Ticket, ownership: OwnershipPolicy) -> dict[str, Any]:
    """The columns the ticket's ledger decides, as its entries left them."""
    holder = ticket.holder
    return dict(
        holder_group=holder.group if holder else None,
        holder_person=holder.person if holder else None,
        owner=ownership.owner(ticket.holders),
        version=ticket.version,
        bounces=ticket.bounces,
        first_assigned_at=ticket.first_assigned_at,
        holder_since=ticket.holder_since,
        lost=ticket.lost,
        open_handoff=open_handoff.handoff_id if (open_handoff := ticket.open_handoff()) else None,
    )


def facts_columns(facts: TicketFacts) -> dict[str, Any]:
    holder = facts.tool_holder
    return dict(
        subject=facts.subject,
        requester=facts.requester,
        priority=facts.priority,
        category=facts.category,
        status=facts.status,
        url=facts.url,
        tool_group=holder.group if holder else None,
        tool_person=holder.person if holder else None,
        last_activity_at=facts.last_activity_at,
        requester_name=facts.requester_name,
        replies=replies_to_json(facts.replies),
        unverified=facts.unverified,
    )


def facts_of(row: Any) -> TicketFacts:
    """The facts `facts_columns` wrote, read back from a `tickets` row."""
    tool_holder = Holder(row.tool_group, row.tool_person) if row.tool_group else None
    return TicketFacts(
        subject=row.subject,
        requester=row.requester,
        priority=row.priority,
        category=row.category,
        status=row.status,
        url=row.url,
        tool_holder=tool_holder,
        last_activity_at=row.last_activity_at,
        requester_name=row.requester_name,
        replies=replies_from_json(row.replies),
        unverified=bool(row.unverified),
    )
