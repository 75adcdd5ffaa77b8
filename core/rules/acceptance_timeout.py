"""Rule 3, acceptance timeout: a request not accepted in time reminds its receiver, then expires and escalates
to the receiving group's lead (who hears it with the requester)."""

from __future__ import annotations

from baton_itsm.core.domain.commands import ExpireHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.scratch import Scratch
from baton_itsm.core.rules.timers import DueTimer, TimerKind


def acceptance_timer(policy: Policy, scratch: Scratch, timer: DueTimer) -> Decisions:
    ticket, now = scratch.ticket, scratch.now
    record = ticket.handoff(timer.handoff_id or "")
    if record is None or record.state is not HandoffState.REQUESTED:
        return Decisions()  # accepted, declined or withdrawn meanwhile
    receiver = record.to_holder
    if timer.kind is TimerKind.ACCEPT_REMIND:
        scratch.record(
            [
                RuleFired(
                    ticket=ticket.key,
                    at=now,
                    by=None,
                    rule="acceptance-timeout",
                    outcome="reminded",
                    to_holder=receiver,
                    handoff_id=record.handoff_id,
                )
            ]
        )
        return Decisions(
            outgoing=[
                notify(
                    "acceptance-reminder",
                    ticket.key,
                    key=f"{ticket.key}:{record.handoff_id}",
                    people=[receiver.person],
                    groups=[] if receiver.person else [receiver.group],
                    handoff_id=record.handoff_id,
                    to_holder=str(receiver),
                    reason=record.reason,
                    requested_at=record.requested_at.isoformat(),
                )
            ]
        )
    lead = policy.lead_of(receiver.group)
    scratch.run(ExpireHandoff(ticket=ticket.key, handoff_id=record.handoff_id))
    scratch.record(
        [
            RuleFired(
                ticket=ticket.key,
                at=now,
                by=None,
                rule="acceptance-timeout",
                outcome="escalated",
                from_holder=ticket.holder,
                to_holder=Holder(receiver.group, lead) if lead else Holder(receiver.group),
                handoff_id=record.handoff_id,
                reason=f"not accepted within {timer.payload.get('minutes', '?')} business minutes",
            )
        ]
    )
    return Decisions(
        outgoing=[
            notify(
                "request-expired",
                ticket.key,
                key=f"{ticket.key}:{record.handoff_id}",
                people=[lead, record.requested_by],
                handoff_id=record.handoff_id,
                to_holder=str(receiver),
                reason=record.reason,
                requested_at=record.requested_at.isoformat(),
            )
        ]
    )
