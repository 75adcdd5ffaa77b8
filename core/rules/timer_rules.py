"""What a due timer does: remind, expire and escalate (acceptance timeout, stale escalation)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from baton_itsm.core.domain.commands import ExpireHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind, HandoffState
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.availability import AWAY, Availability
from baton_itsm.core.rules.consequences import consequences
from baton_itsm.core.rules.decisions import Decisions, TimerRequest
from baton_itsm.core.rules.scratch import Scratch, handoff_id_for
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.facts import sla_of
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.sla_rules import SLA_TIMER, fire_sla_step
from baton_itsm.core.rules.timers import DueTimer, TimerKind, stale_key


def fire(policy: Policy, ticket: Ticket, facts: TicketFacts, timer: DueTimer, now: datetime,
         availability: Availability | Callable[[], Availability] | None = None) -> Decisions:
    scratch = Scratch(ticket, policy, now, availability)
    decisions = Decisions()
    if timer.kind in (TimerKind.ACCEPT_REMIND, TimerKind.ACCEPT_TIMEOUT):
        decisions.extend(_acceptance(policy, scratch, timer))
    elif timer.kind == SLA_TIMER:
        sla = sla_of(timer.payload.get("sla"))  # the SLA as last read: the store keeps no SLA of its own
        if sla is not None:
            decisions.extend(fire_sla_step(policy, scratch, facts, sla))
    elif not (ticket.holder is None or facts.is_resolved or policy.is_pending(facts)):
        decisions.extend(_stale(policy, scratch, facts, timer))
    events = scratch.events
    decisions.events = events
    return decisions.extend(consequences(policy, ticket, scratch.ticket, events, facts, now, activity_at=None))


def _acceptance(policy: Policy, scratch: Scratch, timer: DueTimer) -> Decisions:
    ticket, now = scratch.ticket, scratch.now
    record = ticket.handoff(timer.handoff_id or "")
    if record is None or record.state is not HandoffState.REQUESTED:
        return Decisions()  # accepted, declined or withdrawn meanwhile
    receiver = record.to_holder
    if timer.kind is TimerKind.ACCEPT_REMIND:
        scratch.record([RuleFired(ticket=ticket.key, at=now, by=None, rule="acceptance-timeout", outcome="reminded",
                                  to_holder=receiver, handoff_id=record.handoff_id)])
        return Decisions(outgoing=[notify(
            "acceptance-reminder", ticket.key, key=f"{ticket.key}:{record.handoff_id}", people=[receiver.person],
            groups=[] if receiver.person else [receiver.group], handoff_id=record.handoff_id,
            to_holder=str(receiver), reason=record.reason, requested_at=record.requested_at.isoformat())])
    lead = policy.lead_of(receiver.group)
    scratch.run(ExpireHandoff(ticket=ticket.key, handoff_id=record.handoff_id))
    scratch.record([RuleFired(
        ticket=ticket.key, at=now, by=None, rule="acceptance-timeout", outcome="escalated",
        from_holder=ticket.holder, to_holder=Holder(receiver.group, lead) if lead else Holder(receiver.group),
        handoff_id=record.handoff_id,
        reason=f"not accepted within {timer.payload.get('minutes', '?')} business minutes")])
    return Decisions(outgoing=[notify(
        "request-expired", ticket.key, key=f"{ticket.key}:{record.handoff_id}", people=[lead, record.requested_by],
        handoff_id=record.handoff_id, to_holder=str(receiver), reason=record.reason,
        requested_at=record.requested_at.isoformat())])


def _stale(policy: Policy, scratch: Scratch, facts: TicketFacts, timer: DueTimer) -> Decisions:
    ticket, now = scratch.ticket, scratch.now
    holder = ticket.holder
    rule = policy.stale_rule(facts, holder.group)
    since = facts.last_activity_at or now
    manager = policy.lead_of(holder.group)
    away = (scratch.availability.away(holder.person, now)
            if holder.person and scratch.availability.escalate_stale else None)
    if timer.kind is TimerKind.STALE_REMIND and away is not None:
        # nobody would read the reminder: the ticket escalates now instead of at escalate_after
        scratch.record([RuleFired(ticket=ticket.key, at=now, by=None, rule=AWAY, outcome="escalated",
                                  from_holder=holder, reason=f"{away.words()}: escalated at the first reminder")])
    elif timer.kind is TimerKind.STALE_REMIND:
        scratch.record([RuleFired(ticket=ticket.key, at=now, by=None, rule="stale", outcome="reminded",
                                  to_holder=holder, reason=f"no update since {since.isoformat()}")])
        decisions = Decisions(outgoing=[notify(
            "stale-reminder", ticket.key, key=f"{ticket.key}:{since.isoformat()}", people=[holder.person],
            groups=[] if holder.person else [holder.group], holder=str(holder), since=since.isoformat())])
        if rule is not None and rule.escalate_after is not None:
            due = max(now, policy.calendar_for(holder.group).add(since, rule.escalate_after))
            decisions.timers.append(TimerRequest(stale_key(ticket), TimerKind.STALE_ESCALATE, due,
                                                 payload={"since": since.isoformat()}))
        return decisions
    next_group = policy.escalates_to.get(holder.group)
    handoff_id = None
    stale_for = f"no update since {since.isoformat()}" + (f" and {away.words()}" if away else "")
    if next_group is not None and ticket.open_handoff() is None:
        handoff_id = handoff_id_for(str(ticket.key), "stale", since.isoformat())
        scratch.try_run(RequestHandoff(
            ticket=ticket.key, handoff_id=handoff_id, to_holder=Holder(next_group), by="rule:stale",
            reason=f"{stale_for}: escalated one step along {holder.group}'s path",
            kind=HandoffKind.TECHNICAL))
    scratch.record([RuleFired(ticket=ticket.key, at=now, by=None, rule="stale", outcome="escalated",
                              from_holder=holder, to_holder=Holder(next_group) if next_group else None,
                              handoff_id=handoff_id, reason=stale_for)])
    return Decisions(outgoing=[notify(
        "stale-escalation", ticket.key, key=f"{ticket.key}:{since.isoformat()}", people=[manager],
        holder=str(holder), escalated_to=next_group or "", since=since.isoformat())])
