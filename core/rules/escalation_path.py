"""Escalating a ticket one step along its group's path (L1 -> L2 -> L3 -> vendor): what the stale rule and the
SLA steps both do when they escalate."""

from __future__ import annotations

from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.scratch import Scratch, handoff_id_for


def escalate_one_step(
    policy: Policy, scratch: Scratch, holder: Holder, rule: str, mark: str, reason: str, source_event_id: str = ""
) -> str | None:
    """A request to the next group of `holder`'s path (unless a handoff is open already) and the rule's `escalated`
    entry; the next group, None at the end of the path. `mark` names the request, so a repeat asks nothing new."""
    ticket = scratch.ticket
    next_group = policy.escalates_to.get(holder.group)
    handoff_id = None
    if next_group is not None and ticket.open_handoff() is None:
        handoff_id = handoff_id_for(str(ticket.key), rule, mark)
        scratch.try_run(
            RequestHandoff(
                ticket=ticket.key,
                handoff_id=handoff_id,
                to_holder=Holder(next_group),
                by=f"rule:{rule}",
                reason=f"{reason}: escalated one step along {holder.group}'s path",
                kind=HandoffKind.TECHNICAL,
            )
        )
    scratch.record(
        [
            RuleFired(
                ticket=ticket.key,
                at=scratch.now,
                by=None,
                rule=rule,
                outcome="escalated",
                from_holder=holder,
                to_holder=Holder(next_group) if next_group else None,
                handoff_id=handoff_id,
                reason=reason,
                source_event_id=source_event_id,
            )
        ]
    )
    return next_group
