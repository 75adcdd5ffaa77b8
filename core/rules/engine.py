"""The rules engine: (ticket, facts, event or due timer, now) -> decisions. Pure: no I/O, no clock.

It works on a scratch copy of the ticket, running the same protocol as people do, so whatever the
rules decide obeys the protocol's invariants; the caller writes the events to the real ledger.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from baton_itsm.core.domain.commands import AcceptHandoff, ForceHandoff, RequestHandoff, WithdrawHandoff
from baton_itsm.core.domain.events import HolderChanged, LedgerEvent
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.protocol import may_receive
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.actions import add_note, set_holder
from baton_itsm.core.rules.comment_commands import run_comment_command
from baton_itsm.core.rules.consequences import consequences
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.notices import report_back
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.scratch import Scratch, handoff_id_for
from baton_itsm.core.rules.timer_rules import fire
from baton_itsm.core.rules.timers import DueTimer

ABR = "accept-before-reassign"


class RulesEngine:
    def __init__(self, policy: Policy | None = None):
        self.policy = policy or Policy()

    # --- entry points ---------------------------------------------------------------------------
    def on_tool_event(self, ticket: Ticket, event: ToolEvent, now: datetime,
                      facts: TicketFacts | None = None, previous: TicketFacts | None = None) -> Decisions:
        """`facts` are the ticket's facts including this event; `previous` those before it."""
        facts = facts or TicketFacts().updated_from(event)
        scratch = Scratch(ticket, self.policy, now)
        decisions = Decisions()
        if event.new_holder is not None and event.new_holder != scratch.ticket.holder:
            decisions.extend(self._holder_change(scratch, event))
        if event.kind is ToolEventKind.CREATED or (previous is not None and previous.category != facts.category):
            self._route_by_category(scratch, facts, event)
        if event.kind is ToolEventKind.COMMENTED and not self.policy.is_baton(ticket.key.instance, event.actor):
            decisions.extend(run_comment_command(scratch, event))
        decisions.events = scratch.events
        activity_at = facts.last_activity_at if event.kind is not ToolEventKind.RESOLVED else None
        decisions.extend(consequences(self.policy, ticket, scratch.ticket, scratch.events, facts, now,
                                      activity_at=activity_at))
        if event.kind is ToolEventKind.RESOLVED:
            decisions.extend(report_back(self.policy, scratch.ticket, facts, event))
        return decisions

    def on_commands(self, ticket: Ticket, events: Sequence[LedgerEvent], facts: TicketFacts,
                    now: datetime) -> Decisions:
        """What follows from protocol events a person caused (CLI, API, accept link)."""
        after = ticket.clone()
        for event in events:
            after.apply(event)
        return consequences(self.policy, ticket, after, list(events), facts, now, activity_at=now)

    def shape_request(self, ticket: Ticket, command: RequestHandoff) -> RequestHandoff:
        """Queue-first: redirect a cross-group request for a named person to that person's group queue."""
        from_group = ticket.holder.group if ticket.holder else None
        receiver = self.policy.receiver_for(from_group, command.to_holder)
        if receiver == command.to_holder:
            return command
        return RequestHandoff(ticket=command.ticket, handoff_id=command.handoff_id, to_holder=receiver, by=command.by,
                              reason=command.reason, kind=command.kind, summary=command.summary)

    def on_timer(self, ticket: Ticket, facts: TicketFacts, timer: DueTimer, now: datetime) -> Decisions:
        return fire(self.policy, ticket, facts, timer, now)

    # --- accept-before-reassign -----------------------------------------------------------------
    def _holder_change(self, scratch: Scratch, event: ToolEvent) -> Decisions:
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
                and _covers(open_handoff.to_holder, new) and may_receive(actor, open_handoff.to_holder,
                                                                         policy.directory)):
            # the receiver did in the tool what the request asked: that is the acceptance
            if scratch.try_run(AcceptHandoff(ticket=ticket.key, handoff_id=open_handoff.handoff_id, by=actor)):
                if scratch.ticket.holder != new:
                    record("pull")
                return Decisions()
        if actor is not None and new.person == actor:
            return record("pull")
        if actor is not None and policy.directory.manages_any(actor, old.group, new.group):
            forced = scratch.try_run(ForceHandoff(
                ticket=ticket.key, handoff_id=handoff_id_for(str(ticket.key), event.event_id), to_holder=new,
                by=actor, reason="reassigned in the tool by a manager"))
            return Decisions() if forced else record("force")
        if old.group in policy.triage_groups and all(h.group in policy.triage_groups for h in ticket.holders):
            return record("triage")
        if new.group in policy.exempt_groups or old.group in policy.exempt_groups:
            return record("exempt")
        if new.group == old.group and new.person is None:
            return record("release")
        return self._push(scratch, event, record)

    def _push(self, scratch: Scratch, event: ToolEvent, record) -> Decisions:
        policy, ticket = self.policy, scratch.ticket
        new, old, actor = event.new_holder, ticket.holder, event.actor
        mode = policy.mode_for(new.group)
        receiver = policy.receiver_for(old.group, new)
        reason = f"{actor or 'someone'} reassigned it in the tool without the receiver's acceptance"
        fired = RuleFired(ticket=ticket.key, at=scratch.now, by=actor, rule=ABR, outcome={
            "revert": "reverted", "hold": "held", "flag": "flagged"}[mode], from_holder=old, to_holder=new,
            reason=reason, source_event_id=event.event_id)
        if mode == "flag" or not policy.directory.knows(receiver.group):
            scratch.record([fired])
            record("flagged")
            return Decisions()
        open_handoff = ticket.open_handoff()
        scratch.record([fired])
        if open_handoff is not None:
            scratch.try_run(WithdrawHandoff(ticket=ticket.key, handoff_id=open_handoff.handoff_id, by="rule:" + ABR,
                                            reason="superseded by a push in the tool"))
        handoff_id = handoff_id_for(str(ticket.key), event.event_id)
        scratch.try_run(RequestHandoff(
            ticket=ticket.key, handoff_id=handoff_id, to_holder=receiver, by=actor or "rule:" + ABR,
            reason=reason, summary=f"Baton turned the push to {new} into this request ({mode})."))
        decisions = Decisions()
        if mode == "revert" and policy.governs(ticket.key.instance):
            decisions.outgoing += tool_revert(ticket, old, new, reason, event.event_id, handoff_id)
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


def _covers(requested: Holder, new: Holder) -> bool:
    return requested == new or (requested.person is None and requested.group == new.group)


def tool_revert(ticket: Ticket, old: Holder, pushed: Holder, reason: str, source: str, handoff_id: str) -> list:
    note = (f"Baton put this ticket back with {old}: {reason}. A handoff request ({handoff_id}) now asks "
            f"{pushed} to accept it; the ticket moves when they do.")
    return [set_holder(ticket.key, old, expected=pushed, key=f"revert:{ticket.key}:{source}"),
            add_note(ticket.key, note, key=f"revert-note:{ticket.key}:{source}")]
