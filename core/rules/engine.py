"""The rules engine: (ticket, facts, event or due timer, now) -> decisions. Pure: no I/O, no clock.

It works on a scratch copy of the ticket, running the same protocol as people do, so whatever the
rules decide obeys the protocol's invariants; the caller writes the events to the real ledger.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from baton_itsm.core.domain.commands import AcceptHandoff, ForceHandoff, RequestHandoff, WithdrawHandoff
from baton_itsm.core.domain.errors import ProtocolError
from baton_itsm.core.domain.events import HandoffApplied, HolderChanged, LedgerEvent
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.protocol import decide, may_receive
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.actions import receiver_words, set_holder
from baton_itsm.core.rules.availability import Availability, reroute, reroute_entry
from baton_itsm.core.rules.comment_commands import run_comment_command
from baton_itsm.core.rules.convergence import covers, follow_tool, lose
from baton_itsm.core.rules.consequences import consequences
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import ACTIVITY, SLA_FIELD, TicketFacts, sla_of
from baton_itsm.core.rules.notices import report_back
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.scratch import Scratch, handoff_id_for
from baton_itsm.core.rules.sla_rules import sla_consequences
from baton_itsm.core.rules.timer_rules import fire
from baton_itsm.core.rules.timers import DueTimer

ABR = "accept-before-reassign"


class RulesEngine:
    def __init__(self, policy: Policy | None = None, availability: Callable[[datetime], Availability] | None = None):
        """`availability(now)`: who is away and who is at capacity now (default: the deployment file's periods);
        the service's reads the store and the ICS feeds too."""
        self.policy = policy or Policy()
        self.availability = availability or (lambda now: self.policy.availability)

    # --- entry points ---------------------------------------------------------------------------
    def on_tool_event(self, ticket: Ticket, event: ToolEvent, now: datetime,
                      facts: TicketFacts | None = None, previous: TicketFacts | None = None, *,
                      awaiting_write: bool = False) -> Decisions:
        """`facts` are the ticket's facts including this event; `previous` those before it. `awaiting_write`: a
        holder write Baton decided for this ticket is still to be done (the tool may differ from the ledger)."""
        facts = facts or TicketFacts().updated_from(event)
        scratch = Scratch(ticket, self.policy, now, lambda: self.availability(now))
        decisions = Decisions()
        noted: set[str] = set()  # handoffs whose note in the ticket this event's own decision writes
        if event.kind is ToolEventKind.OBSERVED:
            follow_tool(scratch, event, awaiting_write=awaiting_write)
        elif event.kind is ToolEventKind.DELETED:
            lose(scratch, "deleted", event.event_id)
        elif ticket.lost:
            if event.new_holder is not None and not self.policy.is_baton(ticket.key.instance, event.actor):
                follow_tool(scratch, replace(event, kind=ToolEventKind.OBSERVED), awaiting_write=False)  # seen again
        elif event.new_holder is not None and event.new_holder != scratch.ticket.holder:
            decisions.extend(self._holder_change(scratch, event, noted))
        if event.kind is ToolEventKind.CREATED or (previous is not None and previous.category != facts.category):
            self._route_by_category(scratch, facts, event)
        if event.kind is ToolEventKind.COMMENTED and not self.policy.is_baton(ticket.key.instance, event.actor):
            before = len(scratch.events)
            decisions.extend(run_comment_command(scratch, event))
            noted.update(e.handoff_id for e in scratch.events[before:] if getattr(e, "handoff_id", None))
        decisions.events = scratch.events
        activity_at = facts.last_activity_at if event.kind in ACTIVITY else None
        decisions.extend(consequences(self.policy, ticket, scratch.ticket, scratch.events, facts, now,
                                      activity_at=activity_at, noted=frozenset(noted)))
        if event.kind is ToolEventKind.RESOLVED:
            decisions.extend(report_back(self.policy, scratch.ticket, facts, event))
        if SLA_FIELD in event.fields:  # the SLA as this read stated it (also on Baton's own note, whose facts stay)
            sla_facts = replace(facts, sla=sla_of(event.fields[SLA_FIELD]))
            decisions.extend(sla_consequences(self.policy, scratch.ticket, sla_facts, now))
        elif facts.is_resolved and not (previous and previous.is_resolved):
            decisions.extend(sla_consequences(self.policy, scratch.ticket, facts, now))
        return decisions

    def on_commands(self, ticket: Ticket, events: Sequence[LedgerEvent], facts: TicketFacts,
                    now: datetime) -> Decisions:
        """What follows from protocol events a person caused (CLI, API, accept link)."""
        after = ticket.clone()
        for event in events:
            after.apply(event)
        return consequences(self.policy, ticket, after, list(events), facts, now, activity_at=now)

    def shape_request(self, ticket: Ticket, command: RequestHandoff, now: datetime | None = None) -> RequestHandoff:
        return self.route_request(ticket, command, now)[0]

    def route_request(self, ticket: Ticket, command: RequestHandoff,
                      now: datetime | None = None) -> tuple[RequestHandoff, list[RuleFired]]:
        """Queue-first: a cross-group request for a named person goes to that person's group queue. Availability
        (at `now`): one for an away person goes to their deputy or their queue, one for a person at capacity to
        their queue; the second item is the ledger's record of that, to write after the request."""
        from_group = ticket.holder.group if ticket.holder else None
        receiver = self.policy.receiver_for(from_group, command.to_holder)
        entries = []
        if (now is not None and receiver.person is not None
                and (rerouted := reroute(self.availability(now), self.policy.directory, receiver, now))):
            receiver = rerouted.receiver
            entries.append(reroute_entry(ticket.key, rerouted, command.handoff_id, now, command.by))
        if receiver == command.to_holder:
            return command, entries
        return replace(command, to_holder=receiver), entries

    def on_timer(self, ticket: Ticket, facts: TicketFacts, timer: DueTimer, now: datetime) -> Decisions:
        return fire(self.policy, ticket, facts, timer, now, lambda: self.availability(now))

    # --- accept-before-reassign -----------------------------------------------------------------
    def _holder_change(self, scratch: Scratch, event: ToolEvent, noted: set[str]) -> Decisions:
        policy, ticket = self.policy, scratch.ticket
        new, old, actor = event.new_holder, ticket.holder, event.actor

        def record(cause: str) -> Decisions:
            scratch.record([HolderChanged(ticket=ticket.key, at=scratch.now, by=actor, from_holder=old,
                                          to_holder=new, source_event_id=event.event_id, cause=cause)])
            return Decisions()

        if policy.is_baton(ticket.key.instance, actor):
            if new in ticket.holders:
                return Decisions()  # the echo of a write Baton made for a decision already in the ledger
            return record("baton")  # Baton's account used for something else: recorded, never fought
        if old is None:
            return record("first-seen")
        open_handoff = ticket.open_handoff()
        if (open_handoff is not None and actor is not None and open_handoff.state is HandoffState.REQUESTED
                and covers(open_handoff.to_holder, new) and may_receive(actor, open_handoff.to_holder,
                                                                         policy.directory)):
            # the receiver did in the tool what the request asked: that is the acceptance, applied to the holder the
            # tool shows (a member taking a queue request through Baton would get it herself; in the tool she may
            # have left it in the queue or named someone: no in-between holder the tool never had)
            try:
                accepted = decide(scratch.ticket, AcceptHandoff(ticket=ticket.key, handoff_id=open_handoff.handoff_id,
                                                                by=actor), now=scratch.now, directory=policy.directory)
            except ProtocolError:
                accepted = None
            if accepted:
                scratch.record([replace(e, to_holder=new) if isinstance(e, HandoffApplied) else e for e in accepted])
                return Decisions()
        if actor is not None and new.person == actor and (new.group == old.group
                                                          or policy.directory.is_member(actor, new.group)):
            return record("pull")  # taking it oneself; an owner who moves it to a group not theirs pushes it
        if actor is not None and policy.directory.manages_any(actor, old.group, new.group):
            forced = scratch.try_run(ForceHandoff(
                ticket=ticket.key, handoff_id=handoff_id_for(str(ticket.key), event.event_id), to_holder=new,
                by=actor, reason="reassigned in the tool by a manager"))
            if forced:
                return Decisions()
            # a holder no handoff may name (a person outside the group): still a manager's move, followed; the open
            # request goes as a forced handoff's would
            open_handoff = scratch.ticket.open_handoff()
            if open_handoff is not None:
                scratch.try_run(WithdrawHandoff(ticket=ticket.key, handoff_id=open_handoff.handoff_id, by="rule:" + ABR,
                                                reason=f"superseded: {actor}, a manager, moved the ticket to {new}"))
            return record("force")
        if old.group in policy.triage_groups and all(h.group in policy.triage_groups for h in ticket.holders):
            return record("triage")
        if new.group in policy.exempt_groups or old.group in policy.exempt_groups:
            return record("exempt")
        if new.group == old.group and new.person is None:
            return record("release")
        return self._push(scratch, event, record, noted)

    def _push(self, scratch: Scratch, event: ToolEvent, record, noted: set[str]) -> Decisions:
        """Turn a push into a request to its receiver, decided in full before anything is written: a note or a
        revert never names a request the ledger does not hold."""
        policy, ticket = self.policy, scratch.ticket
        new, old, actor = event.new_holder, ticket.holder, event.actor
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
                    events += decide(trial, WithdrawHandoff(ticket=ticket.key, handoff_id=open_handoff.handoff_id,
                                                            by="rule:" + ABR, reason="superseded by a push in the tool"),
                                     now=scratch.now, directory=policy.directory)
                    trial.apply(events[-1])
                request = RequestHandoff(
                    ticket=ticket.key, handoff_id=handoff_id_for(str(ticket.key), event.event_id), to_holder=receiver,
                    by=actor or "rule:" + ABR, reason=reason,
                    summary=f"Baton turned the push to {new} into this request ({mode}).")
                events += decide(trial, request, now=scratch.now, directory=policy.directory)
            except ProtocolError as refusal:
                request, why_flagged = None, str(refusal)
        outcome = {"revert": "reverted", "hold": "held"}.get(mode, "flagged") if request else "flagged"
        scratch.record([RuleFired(ticket=ticket.key, at=scratch.now, by=actor, rule=ABR, outcome=outcome,
                                  from_holder=old, to_holder=new, handoff_id=request.handoff_id if request else None,
                                  reason=reason if why_flagged is None else f"{reason}; flagged: {why_flagged}",
                                  source_event_id=event.event_id)])
        if request is None:
            record("flagged")
            return Decisions()
        scratch.record(events)
        if rerouted is not None:
            scratch.record([reroute_entry(ticket.key, rerouted, request.handoff_id, scratch.now, actor,
                                          event.event_id)])
        decisions = Decisions()
        if mode == "revert" and policy.governs(ticket.key.instance):
            noted.add(request.handoff_id)
            decisions.outgoing.append(tool_revert(ticket, old, new, actor, event.event_id, request.handoff_id,
                                                  receiver, rerouted.reason if rerouted else ""))
        return decisions

    # --- category routing and resolution ----------------------------------------------------------
    def _route_by_category(self, scratch: Scratch, facts: TicketFacts, event: ToolEvent) -> None:
        route = self.policy.routing.get(facts.category or "")
        ticket = scratch.ticket
        if route is None or (ticket.holder is not None and ticket.holder.group == route.group):
            return
        handoff_id = handoff_id_for(str(ticket.key), "route", event.event_id)
        moved = scratch.try_run(ForceHandoff(
            ticket=ticket.key, handoff_id=handoff_id, to_holder=Holder(route.group), by="rule:category-routing",
            reason=f"category {facts.category} goes straight to {route.group}", kind=route.kind))
        if moved:
            scratch.record([RuleFired(ticket=ticket.key, at=scratch.now, by=None, rule="category-routing",
                                      outcome="routed", to_holder=Holder(route.group), handoff_id=handoff_id,
                                      source_event_id=event.event_id)])


def push_receiver(policy, old: Holder, new: Holder) -> tuple[Holder, str | None]:
    """Who a push asks to accept (queue-first across groups; a person outside the group: the group's queue), and
    why the push can only be flagged, if it can."""
    receiver = policy.receiver_for(old.group, new)
    if not policy.directory.knows(receiver.group):
        return receiver, f"{receiver.group} is not a group Baton knows"
    if receiver.person is not None and not policy.directory.is_member(receiver.person, receiver.group):
        receiver = Holder(receiver.group)  # not in the group as Baton knows it: anyone of the group may take it
    if receiver == old:
        return receiver, f"the request would go to {old}, who holds it"
    return receiver, None


def tool_revert(ticket: Ticket, old: Holder, pushed: Holder, actor: str | None, source: str, handoff_id: str,
                receiver: Holder, rerouted: str = ""):
    """Put the ticket back; the note goes with the write, so it is posted only once the ticket is back.
    `rerouted`: why the request asks someone other than the one pushed to (away, at capacity)."""
    instead = f" ({rerouted})" if rerouted else ""
    note = (f"Baton put this ticket back with {old}: {actor or 'someone'} moved it to {pushed} without "
            f"acceptance. Handoff request {handoff_id} now asks {receiver_words(receiver)} to accept it{instead}; "
            "the ticket moves when they do.")
    return set_holder(ticket.key, old, expected=pushed, key=f"revert:{ticket.key}:{source}", note=note,
                      handoff_id=handoff_id, decided_by=actor, purpose="revert")
