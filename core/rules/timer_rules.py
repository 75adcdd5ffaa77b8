"""What a due timer does: it hands the timer to its rule (acceptance timeout, stale escalation, SLA steps)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.rules.acceptance_timeout import acceptance_timer
from baton_itsm.core.rules.availability import Availability
from baton_itsm.core.rules.consequences import consequences
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import TicketFacts, sla_of
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.scratch import Scratch
from baton_itsm.core.rules.sla_rules import SLA_TIMER, fire_sla_step
from baton_itsm.core.rules.stale_escalation import stale_timer
from baton_itsm.core.rules.timers import DueTimer, TimerKind


def fire(
    policy: Policy,
    ticket: Ticket,
    facts: TicketFacts,
    timer: DueTimer,
    now: datetime,
    availability: Availability | Callable[[], Availability] | None = None,
) -> Decisions:
    scratch = Scratch(ticket, policy, now, availability)
    decisions = Decisions()
    if timer.kind in (TimerKind.ACCEPT_REMIND, TimerKind.ACCEPT_TIMEOUT):
        decisions.extend(acceptance_timer(policy, scratch, timer))
    elif timer.kind == SLA_TIMER:
        sla = sla_of(timer.payload.get("sla"))  # the SLA as last read: the store keeps no SLA of its own
        if sla is not None:
            decisions.extend(fire_sla_step(policy, scratch, facts, sla))
    elif not (ticket.holder is None or facts.is_resolved or policy.is_pending(facts)):
        decisions.extend(stale_timer(policy, scratch, facts, timer))
    events = scratch.events
    decisions.events = events
    return decisions.extend(consequences(policy, ticket, scratch.ticket, events, facts, now, activity_at=None))
