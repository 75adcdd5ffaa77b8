"""Report-back: when an escalated ticket is resolved, the original analyst hears what solved it."""
from __future__ import annotations

from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy


def original_analyst(ticket: Ticket) -> str | None:
    """The person who held the ticket when it was first escalated."""
    escalations = sorted((r for r in ticket.handoffs.values()
                          if r.kind.is_escalation and r.state is HandoffState.APPLIED), key=lambda r: r.requested_at)
    for record in escalations:
        if record.from_holder is not None and record.from_holder.person:
            return record.from_holder.person
    return None


def report_back(policy: Policy, ticket: Ticket, facts: TicketFacts, event: ToolEvent) -> Decisions:
    analyst = original_analyst(ticket)
    if analyst is None or (ticket.holder is not None and ticket.holder.person == analyst):
        return Decisions()
    resolution = event.text or event.fields.get("resolution", "") or "(the tool gave no resolution note)"
    return Decisions(outgoing=[notify(
        "report-back", ticket.key, key=f"{ticket.key}:{event.event_id}", people=[analyst],
        resolved_by=event.actor or "", holder=str(ticket.holder or ""), resolution=resolution,
        subject=facts.subject or "")])
