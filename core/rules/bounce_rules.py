"""Ping-pong and bounce limits: a ticket passed back and forth is a process failure someone should own.

They read the ledger's holders with the one bounce definition (core/domain/bounces.py), so the report and the
rules agree, and a push Baton reverted never counts: the ledger never moved. When a bounce returns the ticket to a
hand it had within the window (A -> B -> A), or is the N-th, Baton names the accountable owner (the ownership
model's, else the lead of the group where the ticket was first assigned), escalates to that lead to coordinate,
and notes both in the ticket. Once per ticket: the later bounces of a ticket already escalated add nothing.
"""

from __future__ import annotations

from datetime import datetime

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import BounceLimit, Policy

PING_PONG, BOUNCE_LIMIT = "ping-pong", "bounce-limit"


def bounce_rules(policy: Policy, before: Ticket, after: Ticket, facts: TicketFacts, now: datetime) -> Decisions:
    if (
        after.bounces <= before.bounces
        or after.bounce_rule_fired
        or before.bounce_rule_fired
        or after.assigned_index is None
    ):
        return Decisions()
    started_in = after.holders[after.assigned_index].group
    limit = policy.bounce_limit(facts, started_in)
    if limit is None:
        return Decisions()
    back = _return_within(policy, after, limit, started_in)
    if back is not None:
        rule, why = PING_PONG, back
    elif limit.bounces is not None and after.bounces >= limit.bounces:
        rule, why = BOUNCE_LIMIT, f"it bounced {_times(after.bounces)}; the limit is {limit.bounces}"
    else:
        return Decisions()
    lead = policy.lead_of(started_in)
    owner = policy.ownership.owner(after.holders) or lead
    # escalated to the group it started in, as the other rules escalate: to its lead when it has one
    fired = RuleFired(
        ticket=after.key,
        at=now,
        by=None,
        rule=rule,
        outcome="escalated",
        from_holder=after.holder,
        to_holder=Holder(started_in, lead),
        reason=why,
        owner=owner,
        first_route=after.first_route,
    )
    decisions = Decisions(events=[fired])
    if lead:
        decisions.outgoing.append(
            notify(
                "bounce-escalation",
                after.key,
                key=f"{after.key}:{rule}",
                people=[lead],
                rule=rule,
                reason=why,
                holder=str(after.holder),
                owner=owner or "",
                started_in=started_in,
                bounces=after.bounces,
                first_route=after.first_route or "unknown",
                path=" -> ".join(str(h) for h in after.holders[after.assigned_index :]),
            )
        )
    return decisions


def _return_within(policy: Policy, ticket: Ticket, limit: BounceLimit, started_in: str) -> str | None:
    """Why the latest holder is a ping-pong: the hand it went back to (the group, or the person within a group) and
    how long after it left; None if it is not one within the window (or the ticket was never assigned)."""
    assigned = ticket.assigned_index
    if limit.return_within is None or assigned is None or len(ticket.holders) < 2:
        return None
    new, previous = ticket.holders[-1], ticket.holders[-2]
    same_hand = (
        (lambda h: h.group == new.group)
        if previous.group != new.group
        else (lambda h: h.group == new.group and h.person == new.person)
    )
    for index in range(len(ticket.holders) - 2, assigned - 1, -1):
        if same_hand(ticket.holders[index]):
            left_at, back_at = ticket.held_at[index + 1], ticket.held_at[-1]
            minutes = policy.calendar_for(started_in).minutes_between(left_at, back_at)
            if minutes > limit.return_within:
                return None
            hand = new.group if previous.group != new.group else f"{new.person} ({new.group})"
            return f"back with {hand} {_duration(minutes)} after it left ({_path(ticket, index)})"
    return None


def _path(ticket: Ticket, since: int) -> str:
    return " -> ".join(str(h) for h in ticket.holders[since:])


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _duration(minutes: float) -> str:
    if minutes < 120:
        return f"{minutes:.0f} business minutes"
    return f"{minutes / 60:.1f} business hours"
