"""Report-back: when an escalated ticket is resolved, the original analyst hears what solved it."""

from __future__ import annotations

from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import Reply, TicketFacts
from baton_itsm.core.rules.policy import Policy

NO_NOTE = "(the tool gave no resolution note)"


def original_analyst(ticket: Ticket) -> str | None:
    """The person who held the ticket when it was first escalated."""
    escalations = sorted(
        (r for r in ticket.handoffs.values() if r.kind.is_escalation and r.state is HandoffState.APPLIED),
        key=lambda r: r.requested_at,
    )
    for record in escalations:
        if record.from_holder is not None and record.from_holder.person:
            return record.from_holder.person
    return None


def what_solved_it(policy: Policy, facts: TicketFacts, event: ToolEvent) -> tuple[str, Reply | None]:
    """The resolution in the resolver's words, and the reply it was quoted from (None when not a reply).

    In order: the tool's own resolution note (ServiceNow's close notes); what the resolver wrote, which is
    the reply or comment of the resolving update itself when there was one (RT records it just before the
    status change, Jira's comment comes before its resolution); else the latest reply in the ticket by
    anyone but Baton and the requester (Jira's last comment before the resolution); else the tool's resolution label
    (Jira's "Fixed") or the resolving event's own text.
    """
    note = (event.fields.get("resolution_note") or "").strip()
    if note:
        return note, None
    instance = event.ticket.instance
    # Neither Baton's own notes nor the requester's messages ("thanks, it works") say what solved it.
    replies = [
        r for r in facts.replies if r.at <= event.at and not policy.is_baton(instance, r.by) and r.by != facts.requester
    ]
    quoted = next((r for r in replies if event.actor and r.by == event.actor), None) or next(iter(replies), None)
    if quoted is not None:
        return quoted.text, quoted
    return (event.text or event.fields.get("resolution", "")).strip() or NO_NOTE, None


def report_back(policy: Policy, ticket: Ticket, facts: TicketFacts, event: ToolEvent) -> Decisions:
    analyst = original_analyst(ticket)
    if analyst is None or (ticket.holder is not None and ticket.holder.person == analyst):
        return Decisions()
    resolution, reply = what_solved_it(policy, facts, event)
    return Decisions(
        outgoing=[
            notify(
                "report-back",
                ticket.key,
                key=f"{ticket.key}:{event.event_id}",
                people=[analyst],
                resolved_by=event.actor or "",
                holder=str(ticket.holder or ""),
                resolution=resolution,
                # who wrote the quoted reply and when, where it was one (it may be someone else than the resolver)
                resolution_by=reply.by if reply else "",
                resolution_at=reply.at.isoformat() if reply else "",
                subject=facts.subject or "",
            )
        ]
    )
