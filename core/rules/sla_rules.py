"""SLA-aware escalation: remind and escalate at shares of the SLA the tool tracks (e.g. 50 % remind, 75 % escalate).

The tool's SLA comes with the ticket as the connector read it; one timer per ticket waits for the next step's share.
Each step fires once per SLA cycle (the ledger's RuleFired names it), in business minutes of the holder's
calendar. A paused SLA waits (its timer is stopped until the tool's clock runs again); a breached one fires its
highest step that has not fired yet. A ticket whose tool tracks no SLA has no such timer: the stale rule ages it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.sla import Sla
from baton_itsm.core.domain.ticket import SLA_RULE, Ticket
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.decisions import Decisions, TimerRequest
from baton_itsm.core.rules.escalation_path import escalate_one_step
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy, SlaStep
from baton_itsm.core.rules.scratch import Scratch
from baton_itsm.core.rules.timers import TimerKind

SLA_TIMER = TimerKind.SLA_STEP
EPSILON = 1e-9  # a share reached by the calendar's arithmetic counts as used (never a timer due again and again)


def sla_key(ticket: Ticket) -> str:
    return f"sla:{ticket.key}"


def step_mark(sla: Sla, step: SlaStep) -> str:
    return f"{sla.cycle}@{step.share:g}"


def pending_steps(policy: Policy, ticket: Ticket, sla: Sla) -> list[SlaStep]:
    """The steps still to fire in this cycle: those above the highest one fired (a skipped lower one stays skipped)."""
    fired = [s.share for s in policy.sla_steps if step_mark(sla, s) in ticket.sla_steps_fired]
    return [s for s in policy.sla_steps if s.share > max(fired, default=0.0)]


def sla_timer(policy: Policy, ticket: Ticket, facts: TicketFacts, now: datetime) -> TimerRequest | None:
    """The timer for the next step's share, or None: no steps, no SLA, a paused one, nobody holding, or resolved."""
    sla = facts.sla
    if not policy.sla_steps or sla is None or ticket.holder is None or facts.is_resolved:
        return None
    steps = pending_steps(policy, ticket, sla)
    if not steps:
        return None
    due = sla.reaches(steps[0].share, policy.calendar_for(ticket.holder.group))
    if due is None:
        return None
    return TimerRequest(sla_key(ticket), SLA_TIMER, max(due, now), payload={"sla": sla.to_text()})


def sla_consequences(policy: Policy, ticket: Ticket, facts: TicketFacts, now: datetime) -> Decisions:
    """After an event that said what the tool's SLA is now: wait for the next step, or stop waiting."""
    if not policy.sla_steps:
        return Decisions()
    timer = sla_timer(policy, ticket, facts, now)
    return Decisions(timers=[timer]) if timer else Decisions(cancel_timers=[sla_key(ticket)])


def fire_sla_step(policy: Policy, scratch: Scratch, facts: TicketFacts, sla: Sla) -> Decisions:
    """The timer came due: fire the highest step whose share is used by now, then wait for the next one."""
    ticket, now = scratch.ticket, scratch.now
    holder = ticket.holder
    if holder is None or facts.is_resolved:
        return Decisions()
    calendar = policy.calendar_for(holder.group)
    used = sla.share_used(now, calendar)
    reached = [
        s
        for s in pending_steps(policy, ticket, sla)
        if s.share <= used + EPSILON
        or (s.share >= 1.0 and sla.breach_at is not None and now >= sla.breach_at and not sla.paused)
    ]
    decisions = Decisions()
    if reached:
        decisions = _act(policy, scratch, holder, sla, reached[-1], used, skipped=reached[:-1])
    later = sla_timer(policy, scratch.ticket, TicketFacts(status=facts.status, sla=sla), now)
    if later is not None:
        decisions.timers.append(later)
    return decisions


def _act(
    policy: Policy, scratch: Scratch, holder: Holder, sla: Sla, step: SlaStep, used: float, skipped: list[SlaStep]
) -> Decisions:
    ticket, now = scratch.ticket, scratch.now
    breach = sla.breach_at.isoformat() if sla.breach_at else ""
    reason = (
        f"{used * 100:.0f} % of SLA {sla.name!r} used (step {step.percent})"
        + (f"; breach at {breach}" if breach else "")
        + (f"; steps {', '.join(s.percent for s in skipped)} passed unseen" if skipped else "")
    )
    mark = step_mark(sla, step)
    details: dict[str, Any] = dict(
        holder=str(holder),
        sla_name=sla.name,
        sla_share=step.percent,
        sla_used=f"{used * 100:.0f} %",
        breach_at=breach,
        breached=sla.breached or used >= 1.0,
    )
    if step.action == "remind":
        scratch.record(
            [
                RuleFired(
                    ticket=ticket.key,
                    at=now,
                    by=None,
                    rule=SLA_RULE,
                    outcome="reminded",
                    to_holder=holder,
                    reason=reason,
                    source_event_id=mark,
                )
            ]
        )
        return Decisions(
            outgoing=[
                notify(
                    "sla-reminder",
                    ticket.key,
                    key=f"{ticket.key}:{mark}",
                    people=[holder.person],
                    groups=[] if holder.person else [holder.group],
                    **details,
                )
            ]
        )
    next_group = escalate_one_step(policy, scratch, holder, SLA_RULE, mark, reason, source_event_id=mark)
    return Decisions(
        outgoing=[
            notify(
                "sla-escalation",
                ticket.key,
                key=f"{ticket.key}:{mark}",
                people=[policy.lead_of(holder.group)],
                escalated_to=next_group or "",
                **details,
            )
        ]
    )
