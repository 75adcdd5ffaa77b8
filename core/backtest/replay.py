"""Replay one ticket's history through the rules engine, with the history's own clock.

Timers are kept in memory per ticket and fired through RulesEngine.on_timer in due order whenever
the history's clock passes them (and, after the last update, up to the end of the history).
Pushes the rules turn into handoff requests are assumed accepted at once by the receiver the tool
shows: that is the "had the desk used requests" world the back-test measures, and it keeps Baton's
ledger where the tool's history goes next, so later updates are judged against the right holder.
"""

from __future__ import annotations

import copy
import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from baton_itsm.core.backtest.bounce_rules import RouteTally
from baton_itsm.core.domain.events import HandoffAccepted, HandoffApplied, HandoffRequested
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.accept_before_reassign import ABR
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.timers import DueTimer, TimerKind

MAX_TIMER_FIRINGS = 200  # per ticket: a policy whose timers keep re-arming cannot stall a back-test
ASSUMED = "backtest:assumed-accepted"


@dataclass
class Tally:
    """What the rules did, summed over the tickets replayed."""

    tickets: int = 0
    updates: int = 0
    rule_outcomes: Counter = field(default_factory=Counter)  # "rule: outcome" -> count
    requests: Counter = field(default_factory=Counter)  # who raised them: rule:..., or a person
    notices: Counter = field(default_factory=Counter)  # notify template -> messages
    tool_actions: Counter = field(default_factory=Counter)  # tool action -> count
    timers_fired: int = 0
    bounces_history: list[int] = field(default_factory=list)
    bounces_with_rules: list[int] = field(default_factory=list)
    routes: RouteTally = field(default_factory=RouteTally)  # bounces by first route (core/backtest/bounce_rules)


class Replay:
    def __init__(self, engine: RulesEngine, tally: Tally, end_at: datetime | None = None):
        self.engine, self.tally, self.end_at = engine, tally, end_at

    def ticket(self, events: list[ToolEvent]) -> Ticket:
        """Replay one ticket's events (oldest first); returns Baton's ledger view of it afterwards."""
        intake = self.engine.policy.triage_groups
        self.ledger = Ticket(events[0].ticket, intake_groups=intake)
        self.facts = TicketFacts()
        self.timers: dict[str, DueTimer] = {}
        self.queue: list[tuple[datetime, int, str]] = []
        self.sent: set[str] = set()
        self.fired = 0
        history = Ticket(events[0].ticket, intake_groups=intake)  # the tool's own holders, for its bounce count
        for event in events:
            self._fire_due(event.at)
            previous, self.facts = self.facts, self.facts.updated_from(event)
            decisions = self.engine.on_tool_event(self.ledger, event, event.at, facts=self.facts, previous=previous)
            self._apply(decisions, event.at)
            self._assume_accepted(decisions, event)
            if event.new_holder is not None and event.new_holder != history.holder:
                history._set_holder(event.new_holder, event.at, event.actor)
        if self.end_at is not None:
            self._fire_due(self.end_at)
        tally = self.tally
        tally.tickets += 1
        tally.updates += len(events)
        tally.bounces_history.append(history.bounces)
        tally.bounces_with_rules.append(self.ledger.bounces)
        tally.routes.add(history, self.ledger)
        return self.ledger

    def _fire_due(self, until: datetime) -> None:
        while self.queue and self.queue[0][0] <= until and self.fired < MAX_TIMER_FIRINGS:
            due_at, _, key = heapq.heappop(self.queue)
            timer = self.timers.get(key)
            if timer is None or timer.due_at != due_at:
                continue  # cancelled or moved since it was queued
            del self.timers[key]
            self.fired += 1
            self.tally.timers_fired += 1
            self._apply(self.engine.on_timer(self.ledger, self.facts, timer, due_at), due_at)

    def _apply(self, decisions: Decisions, now: datetime) -> None:
        tally = self.tally
        for event in decisions.events:
            self.ledger.apply(event)
            if isinstance(event, RuleFired):
                tally.rule_outcomes[f"{event.rule}: {event.outcome}"] += 1
            elif isinstance(event, HandoffRequested):
                tally.requests[event.by if (event.by or "").startswith("rule:") else "a person"] += 1
        for action in decisions.outgoing:
            if action.idempotency_key in self.sent:
                continue  # the outbox would refuse the repeat
            self.sent.add(action.idempotency_key)
            if action.channel == "notify":
                tally.notices[action.payload.get("template", "?")] += 1
            else:
                tally.tool_actions[action.payload.get("action", action.channel)] += 1
        for key in decisions.cancel_timers:
            self.timers.pop(key, None)
        for request in decisions.timers:
            timer = DueTimer(
                request.key, TimerKind(request.kind), request.due_at, request.handoff_id, dict(request.payload)
            )
            self.timers[request.key] = timer
            heapq.heappush(self.queue, (timer.due_at, id(timer), request.key))

    def _assume_accepted(self, decisions: Decisions, event: ToolEvent) -> None:
        """A push the rules turned into a request: the receiver the tool shows accepts it at once."""
        if not any(
            isinstance(e, RuleFired) and e.rule == ABR and e.outcome in ("reverted", "held") for e in decisions.events
        ):
            return
        record = self.ledger.open_handoff()
        if record is None or record.state is not HandoffState.REQUESTED or event.new_holder is None:
            return
        by = event.new_holder.person or ASSUMED
        accepted = [
            HandoffAccepted(ticket=event.ticket, at=event.at, by=by, handoff_id=record.handoff_id),
            HandoffApplied(
                ticket=event.ticket,
                at=event.at,
                by=by,
                handoff_id=record.handoff_id,
                from_holder=self.ledger.holder,
                to_holder=event.new_holder,
            ),
        ]
        before = copy.deepcopy(self.ledger)
        follow = self.engine.on_commands(before, accepted, self.facts, event.at)
        follow.events = accepted + follow.events
        self._apply(follow, event.at)
