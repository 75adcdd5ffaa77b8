"""The rules' timers: acceptance reminders and timeouts, staleness reminders and escalations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from baton_itsm.core.domain.ticket import HandoffRecord, Ticket
from baton_itsm.core.rules.decisions import TimerRequest
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy


class TimerKind(StrEnum):
    ACCEPT_REMIND = "acceptance-reminder"
    ACCEPT_TIMEOUT = "acceptance-timeout"
    STALE_REMIND = "stale-reminder"
    STALE_ESCALATE = "stale-escalation"
    SLA_STEP = "sla-step"  # the next share of the tool's SLA (core/rules/sla_rules.py)


DueTimer = TimerRequest  # a timer the scheduler found due is the timer the rules asked for


def acceptance_keys(handoff_id: str) -> list[str]:
    return [f"accept-remind:{handoff_id}", f"accept-timeout:{handoff_id}"]


def stale_key(ticket: Ticket) -> str:
    return f"stale:{ticket.key}"


def acceptance_timers(policy: Policy, record: HandoffRecord, now: datetime) -> list[TimerRequest]:
    group = record.to_holder.group
    calendar, minutes = policy.calendar_for(group), policy.acceptance_minutes(group)
    remind_key, timeout_key = acceptance_keys(record.handoff_id)
    return [
        TimerRequest(
            remind_key, TimerKind.ACCEPT_REMIND, calendar.add(now, minutes * policy.remind_at), record.handoff_id
        ),
        TimerRequest(
            timeout_key, TimerKind.ACCEPT_TIMEOUT, calendar.add(now, minutes), record.handoff_id, {"minutes": minutes}
        ),
    ]


def stale_timer(
    policy: Policy, ticket: Ticket, facts: TicketFacts, since: datetime, now: datetime
) -> TimerRequest | None:
    """The next staleness timer counted from the last activity, or None when the ticket does not age."""
    holder = ticket.holder
    if holder is None or facts.is_resolved or policy.is_pending(facts):
        return None
    rule = policy.stale_rule(facts, holder.group)
    if rule is None:
        return None
    calendar = policy.calendar_for(holder.group)
    if rule.remind_after is not None:
        return TimerRequest(
            stale_key(ticket),
            TimerKind.STALE_REMIND,
            calendar.add(since, rule.remind_after),
            payload={"since": since.isoformat()},
        )
    if rule.escalate_after is not None:
        return TimerRequest(
            stale_key(ticket),
            TimerKind.STALE_ESCALATE,
            calendar.add(since, rule.escalate_after),
            payload={"since": since.isoformat()},
        )
    return None
