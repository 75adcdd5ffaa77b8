"""Rule 1, accept-before-reassign: a reassignment in the tool that no accepted handoff covers is a push.

A push is turned into a handoff request to its receiver and, by the receiving group's mode, put back (`revert`),
left while the request waits (`hold`) or only recorded (`flag`). Not a push: the first assignment out of triage,
a person taking a ticket themselves (pull), a manager's move (force), exempt groups, the receiver doing in the
tool what a request asked (that is the acceptance). Pure, like the engine that calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from baton_itsm.core.domain.commands import AcceptHandoff, ForceHandoff, RequestHandoff, WithdrawHandoff
from baton_itsm.core.domain.events import HandoffApplied, HolderChanged
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.protocol import decide, may_receive
from baton_itsm.core.domain.protocol_errors import ProtocolError
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.actions import receiver_words, set_holder
from baton_itsm.core.rules.availability import reroute, reroute_entry
from baton_itsm.core.rules.convergence import covers
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.queue_first import push_receiver
from baton_itsm.core.rules.scratch import Scratch, handoff_id_for

ABR = "accept-before-reassign"


def holder_change(policy: Policy, scratch: Scratch, event: ToolEvent, new: Holder, noted: set[str]) -> Decisions:
    """The tool shows `new` (the event's new holder) holding the ticket: follow it, accept for it, or push back."""
    ticket = scratch.ticket
    old, actor = ticket.holder, event.actor

    def record(cause: str) -> Decisions:
        scratch.record(
            [
                HolderChanged(
                    ticket=ticket.key,
                    at=scratch.now,
                    by=actor,
                    from_holder=old,
                    to_holder=new,
                    source_event_id=event.event_id,
                    cause=cause,
                )
            ]
        )
        return Decisions()

    if policy.is_baton(ticket.key.instance, actor):
        if new in ticket.holders:
            return Decisions()  # the echo of a write Baton made for a decision already in the ledger
        return record("baton")  # Baton's account used for something else: recorded, never fought
    if old is None:
        return record("first-seen")
    open_handoff = ticket.open_handoff()
    if (
        open_handoff is not None
        and actor is not None
        and open_handoff.state is HandoffState.REQUESTED
        and covers(open_handoff.to_holder, new)
        and may_receive(actor, open_handoff.to_holder, policy.directory)
    ):
        # the receiver did in the tool what the request asked: that is the acceptance, applied to the holder the
        # tool shows (a member taking a queue request through Baton would get it herself; in the tool she may
        # have left it in the queue or named someone: no in-between holder the tool never had)
        try:
            accepted = decide(
                scratch.ticket,
                AcceptHandoff(ticket=ticket.key, handoff_id=open_handoff.handoff_id, by=actor),
                now=scratch.now,
                directory=policy.directory,
            )
        except ProtocolError:
            accepted = None
        if accepted:
            scratch.record([replace(e, to_holder=new) if isinstance(e, HandoffApplied) else e for e in accepted])
            return Decisions()
    if (
        actor is not None
        and new.person == actor
        and (new.group == old.group or policy.directory.is_member(actor, new.group))
    ):
        return record("pull")  # taking it oneself; an owner who moves it to a group not theirs pushes it
    if actor is not None and policy.directory.manages_any(actor, old.group, new.group):
        forced = scratch.try_run(
            ForceHandoff(
                ticket=ticket.key,
                handoff_id=handoff_id_for(str(ticket.key), event.event_id),
                to_holder=new,
                by=actor,
                reason="reassigned in the tool by a manager",
            )
        )
        if forced:
            return Decisions()
        # a holder no handoff may name (a person outside the group): still a manager's move, followed; the open
        # request goes as a forced handoff's would
        open_handoff = scratch.ticket.open_handoff()
        if open_handoff is not None:
            scratch.try_run(
                WithdrawHandoff(
                    ticket=ticket.key,
                    handoff_id=open_handoff.handoff_id,
                    by="rule:" + ABR,
                    reason=f"superseded: {actor}, a manager, moved the ticket to {new}",
                )
            )
        return record("force")
    if old.group in policy.triage_groups and all(h.group in policy.triage_groups for h in ticket.holders):
        return record("triage")
    if new.group in policy.exempt_groups or old.group in policy.exempt_groups:
        return record("exempt")
    if new.group == old.group and new.person is None:
        return record("release")
    return _push(policy, scratch, event, new, old, record, noted)


def _push(
    policy: Policy,
    scratch: Scratch,
    event: ToolEvent,
    new: Holder,
    old: Holder,
    record: Callable[[str], Decisions],
    noted: set[str],
) -> Decisions:
    """Turn a push from `old` to `new` into a request to its receiver, decided in full before anything is
    written: a note or a revert never names a request the ledger does not hold."""
    ticket = scratch.ticket
    actor = event.actor
    mode = policy.mode_for(new.group)
    reason = f"{actor or 'someone'} reassigned it in the tool without the receiver's acceptance"
    receiver, why_flagged = push_receiver(policy, old, new)
    rerouted = None if why_flagged else reroute(scratch.availability, policy.directory, receiver, scratch.now)
    if rerouted is not None and rerouted.receiver != old:
        receiver = rerouted.receiver
    else:
        rerouted = None
    request = None
    if mode != "flag" and why_flagged is None:
        trial = scratch.ticket.clone()
        open_handoff = trial.open_handoff()
        try:
            events = []
            if open_handoff is not None:
                events += decide(
                    trial,
                    WithdrawHandoff(
                        ticket=ticket.key,
                        handoff_id=open_handoff.handoff_id,
                        by="rule:" + ABR,
                        reason="superseded by a push in the tool",
                    ),
                    now=scratch.now,
                    directory=policy.directory,
                )
                trial.apply(events[-1])
            request = RequestHandoff(
                ticket=ticket.key,
                handoff_id=handoff_id_for(str(ticket.key), event.event_id),
                to_holder=receiver,
                by=actor or "rule:" + ABR,
                reason=reason,
                summary=f"Baton turned the push to {new} into this request ({mode}).",
            )
            events += decide(trial, request, now=scratch.now, directory=policy.directory)
        except ProtocolError as refusal:
            request, why_flagged = None, str(refusal)
    outcome = {"revert": "reverted", "hold": "held"}.get(mode, "flagged") if request else "flagged"
    scratch.record(
        [
            RuleFired(
                ticket=ticket.key,
                at=scratch.now,
                by=actor,
                rule=ABR,
                outcome=outcome,
                from_holder=old,
                to_holder=new,
                handoff_id=request.handoff_id if request else None,
                reason=reason if why_flagged is None else f"{reason}; flagged: {why_flagged}",
                source_event_id=event.event_id,
            )
        ]
    )
    if request is None:
        record("flagged")
        return Decisions()
    scratch.record(events)
    if rerouted is not None:
        scratch.record([reroute_entry(ticket.key, rerouted, request.handoff_id, scratch.now, actor, event.event_id)])
    decisions = Decisions()
    if mode == "revert" and policy.governs(ticket.key.instance):
        noted.add(request.handoff_id)
        decisions.outgoing.append(
            tool_revert(
                ticket,
                old,
                new,
                actor,
                event.event_id,
                request.handoff_id,
                receiver,
                rerouted.reason if rerouted else "",
            )
        )
    return decisions


def tool_revert(
    ticket: Ticket,
    old: Holder,
    pushed: Holder,
    actor: str | None,
    source: str,
    handoff_id: str,
    receiver: Holder,
    rerouted: str = "",
):
    """Put the ticket back; the note goes with the write, so it is posted only once the ticket is back.
    `rerouted`: why the request asks someone other than the one pushed to (away, at capacity)."""
    instead = f" ({rerouted})" if rerouted else ""
    note = (
        f"Baton put this ticket back with {old}: {actor or 'someone'} moved it to {pushed} without "
        f"acceptance. Handoff request {handoff_id} now asks {receiver_words(receiver)} to accept it{instead}; "
        "the ticket moves when they do."
    )
    return set_holder(
        ticket.key,
        old,
        expected=pushed,
        key=f"revert:{ticket.key}:{source}",
        note=note,
        handoff_id=handoff_id,
        decided_by=actor,
        purpose="revert",
    )
