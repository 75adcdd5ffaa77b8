"""What follows from ledger events, whoever caused them: timers, tool writes and notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from baton_itsm.core.domain.events import (
    HandoffAccepted,
    HandoffApplied,
    HandoffDeclined,
    HandoffExpired,
    HandoffForced,
    HandoffRequested,
    HandoffWithdrawn,
    HolderChanged,
    LedgerEvent,
)
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.rules.actions import notify, set_holder
from baton_itsm.core.rules.availability import asked_person, rerouted_requests
from baton_itsm.core.rules.bounce_rules import bounce_rules
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.review_requests import escalation_review_on_open, reviews_on_apply
from baton_itsm.core.rules.ticket_notes import ticket_notes
from baton_itsm.core.rules.timers import acceptance_keys, acceptance_timers, stale_key, stale_timer


def consequences(
    policy: Policy,
    before: Ticket,
    after: Ticket,
    events: Sequence[LedgerEvent],
    facts: TicketFacts,
    now: datetime,
    *,
    activity_at: datetime | None,
    noted: frozenset[str] = frozenset(),
) -> Decisions:
    """`activity_at` is when the ticket last saw activity, if this change counts as activity (restarts ageing);
    `noted`: handoffs whose note in the ticket the caller's own decision writes."""
    decisions = Decisions()
    key = after.key
    reroutes = rerouted_requests(events)
    for event in events:
        if isinstance(event, HandoffRequested):
            record = after.known_handoff(event.handoff_id)
            decisions.timers += acceptance_timers(policy, record, now)
            receiver = event.to_holder
            rerouted = reroutes.get(event.handoff_id)
            reroute: dict[str, Any] = {"rerouted": rerouted.reason, "asked": asked_person(rerouted)} if rerouted else {}
            decisions.outgoing.append(
                notify(
                    "handoff-request",
                    key,
                    key=f"{key}:{event.handoff_id}",
                    people=[receiver.person],
                    groups=[] if receiver.person else [receiver.group],
                    handoff_id=event.handoff_id,
                    to_holder=str(receiver),
                    requested_by=event.by,
                    reason=event.reason,
                    summary=event.summary,
                    kind=str(event.kind),
                    **reroute,
                )
            )
            decisions.extend(escalation_review_on_open(policy, after, event))
        elif isinstance(event, HandoffForced):
            decisions.extend(escalation_review_on_open(policy, after, event))
        elif isinstance(event, (HandoffAccepted, HandoffDeclined, HandoffWithdrawn, HandoffExpired)):
            decisions.cancel_timers += acceptance_keys(event.handoff_id)
            if isinstance(event, HandoffWithdrawn):
                record = after.known_handoff(event.handoff_id)
                receiver = record.to_holder
                decisions.outgoing.append(
                    notify(
                        "handoff-withdrawn",
                        key,
                        key=f"{key}:{event.handoff_id}",
                        people=[receiver.person],
                        groups=[] if receiver.person else [receiver.group],
                        handoff_id=event.handoff_id,
                        to_holder=str(receiver),
                        withdrawn_by=event.by or "",
                        reason=event.reason,
                    )
                )
            if isinstance(event, HandoffDeclined):
                record = after.known_handoff(event.handoff_id)
                decisions.outgoing.append(
                    notify(
                        "handoff-declined",
                        key,
                        key=f"{key}:{event.handoff_id}",
                        people=[record.requested_by],
                        handoff_id=event.handoff_id,
                        declined_by=event.by,
                        reason=event.reason,
                        to_holder=str(record.to_holder),
                        reason_code=event.reason_code,
                        reassignable=event.reassignable,
                        suggested_group=event.suggested_group,
                    )
                )
                sent_back = after.holder
                if (
                    not event.reassignable
                    and sent_back is not None
                    and policy.governs(key.instance)
                    and facts.tool_holder != sent_back
                ):
                    # a held push sits with the receiver in the tool: a decline that says it must not go
                    # elsewhere puts it back with the sender
                    decisions.outgoing.append(
                        set_holder(
                            key,
                            sent_back,
                            expected=facts.tool_holder,
                            key=f"decline-return:{key}:{event.handoff_id}",
                            purpose="revert",
                            handoff_id=event.handoff_id,
                            decided_by=event.by,
                        )
                    )
        elif isinstance(event, (HandoffApplied, HolderChanged)):
            if (
                isinstance(event, HandoffApplied)
                and policy.governs(key.instance)
                and facts.tool_holder != event.to_holder
            ):
                decisions.outgoing.append(
                    set_holder(
                        key,
                        event.to_holder,
                        expected=facts.tool_holder,
                        key=f"apply:{key}:{event.handoff_id}",
                        purpose="apply",
                        handoff_id=event.handoff_id,
                        decided_by=event.by,
                    )
                )
            decisions.outgoing.append(
                notify(
                    "status-update",
                    key,
                    key=f"{key}:{event.at.isoformat()}:{event.to_holder}",
                    requester=True,
                    holder=str(event.to_holder),
                    previous_holder=str(event.from_holder or ""),
                    owner=policy.ownership.owner(after.holders),
                    ownership_model=str(policy.ownership.model_for(after.holders)),
                    pending=_pending(after),
                    at=event.at.isoformat(),
                    # for the requester's words: whether the owner is new, and who must accept (named, not described)
                    previous_owner=policy.ownership.owner(before.holders) or "",
                    pending_to=_pending_to(after),
                    **_sla_due(facts),
                )
            )
            if isinstance(event, HandoffApplied):
                decisions.extend(reviews_on_apply(policy, after, event))
    bounced = bounce_rules(policy, before, after, facts, now)
    decisions.extend(bounced)
    if policy.governs(key.instance):
        decisions.outgoing += ticket_notes(after, [*events, *bounced.events], noted)
    stops_ageing = facts.is_resolved or policy.is_pending(facts)
    if activity_at is not None or before.holder != after.holder or stops_ageing:
        timer = stale_timer(policy, after, facts, activity_at or facts.last_activity_at or now, now)
        if timer is None:
            decisions.cancel_timers.append(stale_key(after))
        else:
            decisions.timers.append(timer)
    return decisions


def _sla_due(facts: TicketFacts) -> dict[str, str]:
    """When the tool's running SLA breaches: the requester's "when to expect news" (core/notify/eta.py)."""
    sla = facts.sla
    if sla is None or not sla.running or sla.breach_at is None:
        return {}
    return {"sla_due": sla.breach_at.isoformat()}


def _pending_to(ticket: Ticket) -> str:
    open_handoff = ticket.open_handoff()
    return "" if open_handoff is None else str(open_handoff.to_holder)


def _pending(ticket: Ticket) -> str:
    open_handoff = ticket.open_handoff()
    if open_handoff is None:
        return ""
    return f"waiting for {open_handoff.to_holder} to accept a handoff"
