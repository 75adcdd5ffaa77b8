"""Rule 5, category routing: some categories go straight to a group (hardware to desktop support, purchases to
procurement), by a handoff the rule forces, on creation and whenever the category changes."""

from __future__ import annotations

from baton_itsm.core.domain.commands import ForceHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.scratch import Scratch, handoff_id_for


def route_by_category(policy: Policy, scratch: Scratch, facts: TicketFacts, event: ToolEvent) -> None:
    route = policy.routing.get(facts.category or "")
    ticket = scratch.ticket
    if route is None or (ticket.holder is not None and ticket.holder.group == route.group):
        return
    handoff_id = handoff_id_for(str(ticket.key), "route", event.event_id)
    moved = scratch.try_run(
        ForceHandoff(
            ticket=ticket.key,
            handoff_id=handoff_id,
            to_holder=Holder(route.group),
            by="rule:category-routing",
            reason=f"category {facts.category} goes straight to {route.group}",
            kind=route.kind,
        )
    )
    if moved:
        scratch.record(
            [
                RuleFired(
                    ticket=ticket.key,
                    at=scratch.now,
                    by=None,
                    rule="category-routing",
                    outcome="routed",
                    to_holder=Holder(route.group),
                    handoff_id=handoff_id,
                    source_event_id=event.event_id,
                )
            ]
        )
