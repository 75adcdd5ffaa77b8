"""Rule 4, stale escalation: per priority, category and group, in business hours, no update for T1 reminds the
holder; T2 escalates one step along the group's path (L1 -> L2 -> L3 -> vendor) and tells the manager. An away
holder's ticket escalates at the first reminder, since nobody would read it."""

from __future__ import annotations

from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.availability import AWAY
from baton_itsm.core.rules.decisions import Decisions, TimerRequest
from baton_itsm.core.rules.escalation_path import escalate_one_step
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.scratch import Scratch
from baton_itsm.core.rules.timers import DueTimer, TimerKind, stale_key


def stale_timer(policy: Policy, scratch: Scratch, facts: TicketFacts, timer: DueTimer) -> Decisions:
    ticket, now = scratch.ticket, scratch.now
    holder = ticket.holder
    if holder is None:  # timer_rules.fire only lets a held ticket go stale
        return Decisions()
    rule = policy.stale_rule(facts, holder.group)
    since = facts.last_activity_at or now
    manager = policy.lead_of(holder.group)
    away = (
        scratch.availability.away(holder.person, now) if holder.person and scratch.availability.escalate_stale else None
    )
    if timer.kind is TimerKind.STALE_REMIND and away is not None:
        # nobody would read the reminder: the ticket escalates now instead of at escalate_after
        scratch.record(
            [
                RuleFired(
                    ticket=ticket.key,
                    at=now,
                    by=None,
                    rule=AWAY,
                    outcome="escalated",
                    from_holder=holder,
                    reason=f"{away.words()}: escalated at the first reminder",
                )
            ]
        )
    elif timer.kind is TimerKind.STALE_REMIND:
        scratch.record(
            [
                RuleFired(
                    ticket=ticket.key,
                    at=now,
                    by=None,
                    rule="stale",
                    outcome="reminded",
                    to_holder=holder,
                    reason=f"no update since {since.isoformat()}",
                )
            ]
        )
        decisions = Decisions(
            outgoing=[
                notify(
                    "stale-reminder",
                    ticket.key,
                    key=f"{ticket.key}:{since.isoformat()}",
                    people=[holder.person],
                    groups=[] if holder.person else [holder.group],
                    holder=str(holder),
                    since=since.isoformat(),
                )
            ]
        )
        if rule is not None and rule.escalate_after is not None:
            due = max(now, policy.calendar_for(holder.group).add(since, rule.escalate_after))
            decisions.timers.append(
                TimerRequest(stale_key(ticket), TimerKind.STALE_ESCALATE, due, payload={"since": since.isoformat()})
            )
        return decisions
    stale_for = f"no update since {since.isoformat()}" + (f" and {away.words()}" if away else "")
    next_group = escalate_one_step(policy, scratch, holder, "stale", since.isoformat(), stale_for)
    return Decisions(
        outgoing=[
            notify(
                "stale-escalation",
                ticket.key,
                key=f"{ticket.key}:{since.isoformat()}",
                people=[manager],
                holder=str(holder),
                escalated_to=next_group or "",
                since=since.isoformat(),
            )
        ]
    )
