"""The rules engine: (ticket, facts, event or due timer, now) -> decisions. Pure: no I/O, no clock.

It works on a scratch copy of the ticket, running the same protocol as people do, so whatever the
rules decide obeys the protocol's invariants; the caller writes the events to the real ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.accept_before_reassign import holder_change
from baton_itsm.core.rules.availability import Availability, reroute, reroute_entry
from baton_itsm.core.rules.category_routing import route_by_category
from baton_itsm.core.rules.comment_commands import run_comment_command
from baton_itsm.core.rules.consequences import consequences
from baton_itsm.core.rules.convergence import follow_tool, lose
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import ACTIVITY, SLA_FIELD, TicketFacts, sla_of
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.report_back import report_back
from baton_itsm.core.rules.scratch import Scratch
from baton_itsm.core.rules.sla_rules import sla_consequences
from baton_itsm.core.rules.timer_rules import fire
from baton_itsm.core.rules.timers import DueTimer


class RulesEngine:
    def __init__(self, policy: Policy | None = None, availability: Callable[[datetime], Availability] | None = None):
        """`availability(now)`: who is away and who is at capacity now (default: the deployment file's periods);
        the service's reads the store and the ICS feeds too."""
        self.policy = policy or Policy()
        self.availability = availability or (lambda now: self.policy.availability)

    # --- entry points ---------------------------------------------------------------------------
    def on_tool_event(
        self,
        ticket: Ticket,
        event: ToolEvent,
        now: datetime,
        facts: TicketFacts | None = None,
        previous: TicketFacts | None = None,
        *,
        awaiting_write: bool = False,
    ) -> Decisions:
        """`facts` are the ticket's facts including this event; `previous` those before it. `awaiting_write`: a
        holder write Baton decided for this ticket is still to be done (the tool may differ from the ledger); the
        intake says so for an observation, and for any event on a ticket whose last write failed (`unverified`)."""
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
            if previous is not None and previous.unverified and event.old_holder is not None:
                # A write of Baton's failed and the poll has not looked since: the change says where the tool had
                # the ticket, and that, not the holder Baton failed to write, is what the change moved it from.
                where_it_was = replace(event, kind=ToolEventKind.OBSERVED, new_holder=event.old_holder, fields={})
                follow_tool(scratch, where_it_was, awaiting_write=awaiting_write)
            if event.new_holder != scratch.ticket.holder:
                decisions.extend(holder_change(self.policy, scratch, event, event.new_holder, noted))
        if event.kind is ToolEventKind.CREATED or (previous is not None and previous.category != facts.category):
            route_by_category(self.policy, scratch, facts, event)
        if event.kind is ToolEventKind.COMMENTED and not self.policy.is_baton(ticket.key.instance, event.actor):
            before = len(scratch.events)
            decisions.extend(run_comment_command(scratch, event))
            noted.update(h for e in scratch.events[before:] if (h := getattr(e, "handoff_id", None)))
        decisions.events = scratch.events
        activity_at = facts.last_activity_at if event.kind in ACTIVITY else None
        decisions.extend(
            consequences(
                self.policy,
                ticket,
                scratch.ticket,
                scratch.events,
                facts,
                now,
                activity_at=activity_at,
                noted=frozenset(noted),
            )
        )
        if event.kind is ToolEventKind.RESOLVED:
            decisions.extend(report_back(self.policy, scratch.ticket, facts, event))
        if SLA_FIELD in event.fields:  # the SLA as this read stated it (also on Baton's own note, whose facts stay)
            sla_facts = replace(facts, sla=sla_of(event.fields[SLA_FIELD]))
            decisions.extend(sla_consequences(self.policy, scratch.ticket, sla_facts, now))
        elif facts.is_resolved and not (previous and previous.is_resolved):
            decisions.extend(sla_consequences(self.policy, scratch.ticket, facts, now))
        return decisions

    def on_commands(
        self, ticket: Ticket, events: Sequence[LedgerEvent], facts: TicketFacts, now: datetime
    ) -> Decisions:
        """What follows from protocol events a person caused (CLI, API, accept link)."""
        after = ticket.clone()
        for event in events:
            after.apply(event)
        return consequences(self.policy, ticket, after, list(events), facts, now, activity_at=now)

    def shape_request(self, ticket: Ticket, command: RequestHandoff, now: datetime | None = None) -> RequestHandoff:
        return self.route_request(ticket, command, now)[0]

    def route_request(
        self, ticket: Ticket, command: RequestHandoff, now: datetime | None = None
    ) -> tuple[RequestHandoff, list[RuleFired]]:
        """Queue-first: a cross-group request for a named person goes to that person's group queue. Availability
        (at `now`): one for an away person goes to their deputy or their queue, one for a person at capacity to
        their queue; the second item is the ledger's record of that, to write after the request."""
        from_group = ticket.holder.group if ticket.holder else None
        receiver = self.policy.receiver_for(from_group, command.to_holder)
        entries = []
        if (
            now is not None
            and receiver.person is not None
            and (rerouted := reroute(self.availability(now), self.policy.directory, receiver, now))
        ):
            receiver = rerouted.receiver
            entries.append(reroute_entry(ticket.key, rerouted, command.handoff_id, now, command.by))
        if receiver == command.to_holder:
            return command, entries
        return replace(command, to_holder=receiver), entries

    def on_timer(self, ticket: Ticket, facts: TicketFacts, timer: DueTimer, now: datetime) -> Decisions:
        return fire(self.policy, ticket, facts, timer, now, lambda: self.availability(now))
