"""A simulated desk for rules tests: the pure engine, an in-memory ledger, timers and an injected clock."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.rules.timers import DueTimer, TimerKind

DIRECTORY = Directory.of(
    {
        "Triage": ({"tina"}, {"dana"}),
        "Service Desk": ({"alice", "bob"}, {"dana"}),
        "Network": ({"carol", "frank"}, {"erin"}),
        "Desktop": ({"gina"}, {"dana"}),
        "Vendor": ({"vic"}, {"erin"}),
    }
)


class SimulatedDesk:
    def __init__(self, policy: Policy, clock, key: TicketKey = TicketKey("rt", "1"), availability=None):
        self.engine, self.clock, self.key = RulesEngine(policy, availability), clock, key
        self.ticket, self.facts = Ticket(key, intake_groups=policy.triage_groups), TicketFacts()
        self.timers: dict[str, DueTimer] = {}
        self.outbox: list = []
        self.log: list = []  # every ledger event written, in order
        self._ids = itertools.count(1)

    # what happens in the tool
    def tool(
        self,
        kind: ToolEventKind,
        actor: str | None = None,
        holder: str | None = None,
        text: str = "",
        awaiting_write: bool = False,
        **fields,
    ) -> Decisions:
        event = ToolEvent(
            ticket=self.key,
            event_id=f"txn-{next(self._ids)}",
            kind=kind,
            at=self.clock.now(),
            actor=actor,
            old_holder=self.facts.tool_holder,
            new_holder=Holder.parse(holder) if holder else None,
            fields=fields,
            text=text,
        )
        previous, self.facts = self.facts, self.facts.updated_from(event)
        decisions = self.engine.on_tool_event(
            self.ticket, event, self.clock.now(), facts=self.facts, previous=previous, awaiting_write=awaiting_write
        )
        self._write(decisions)
        self._remember_tool_writes(decisions)
        return decisions

    def _remember_tool_writes(self, decisions: Decisions) -> None:
        for action in decisions.outgoing:  # Baton's own writes land in the tool and come back as events
            if action.channel == "tool" and action.payload["action"] == "set-holder":
                self.pending_echo = action.payload["holder"]

    def reassign(self, actor: str, holder: str) -> Decisions:
        return self.tool(ToolEventKind.HOLDER_CHANGED, actor, holder)

    def observe(self, holder: str | None, lost: str | None = None, awaiting_write: bool = False) -> Decisions:
        """The poller's look at the tool: the holder it shows now, or why Baton cannot see the ticket."""
        return self.tool(
            ToolEventKind.OBSERVED, None, holder, awaiting_write=awaiting_write, **({"lost": lost} if lost else {})
        )

    def comment(self, actor: str, text: str) -> Decisions:
        return self.tool(ToolEventKind.COMMENTED, actor, text=text)

    def echo_baton_write(self, account: str = "baton") -> Decisions:
        holder = self.pending_echo
        return self.reassign(account, f"{holder['group']}/{holder['person']}" if holder["person"] else holder["group"])

    # what people do through Baton
    def command(self, command) -> Decisions:
        rerouted = []
        if hasattr(command, "to_holder") and type(command).__name__ == "RequestHandoff":
            command, rerouted = self.engine.route_request(self.ticket, command, self.clock.now())
        events = decide(self.ticket, command, now=self.clock.now(), directory=self.engine.policy.directory) + rerouted
        decisions = self.engine.on_commands(self.ticket, events, self.facts, self.clock.now())
        decisions.events = [*events, *decisions.events]  # as HandoffService: the command's, then what follows
        self._write(decisions)
        self._remember_tool_writes(decisions)
        return decisions

    # time passing
    def run_until(self, until: datetime) -> list[tuple[datetime, str]]:
        fired = []
        while self.timers and min(t.due_at for t in self.timers.values()) <= until:
            timer = min(self.timers.values(), key=lambda t: t.due_at)
            del self.timers[timer.key]
            self.clock.set(max(self.clock.now(), timer.due_at))
            fired.append((timer.due_at, str(timer.kind)))
            self._write(self.engine.on_timer(self.ticket, self.facts, timer, self.clock.now()))
        self.clock.set(max(self.clock.now(), until))
        return fired

    def _write(self, decisions: Decisions) -> None:
        for event in decisions.events:
            self.ticket.apply(event)
        self.log += decisions.events
        self.outbox += decisions.outgoing
        for key in decisions.cancel_timers:
            self.timers.pop(key, None)
        for t in decisions.timers:
            self.timers[t.key] = DueTimer(t.key, TimerKind(t.kind), t.due_at, t.handoff_id, t.payload)

    # what a user checks
    def entries(self, decisions: Decisions) -> list[str]:
        return [e.entry_type if e.entry_type != "rule" else f"rule:{e.outcome}" for e in decisions.events]

    def tool_actions(self, decisions: Decisions) -> list[tuple[str, str]]:
        out = []
        for action in decisions.outgoing:
            if action.channel == "tool":
                p = action.payload
                holder = p.get("holder") or {}
                person, group = holder.get("person"), holder.get("group")
                target = f"{group}/{person}" if person else group
                out.append((p["action"], target or ""))
        return out

    def notes(self, decisions: Decisions) -> list[str]:
        """What Baton writes in the ticket: notes, and the notes its holder writes post once done."""
        return [
            a.payload.get("text") or a.payload.get("note")
            for a in decisions.outgoing
            if a.channel == "tool" and (a.payload.get("text") or a.payload.get("note"))
        ]

    def notices(self, decisions: Decisions) -> list[tuple[str, tuple]]:
        return [
            (a.payload["template"], tuple(a.payload["to_people"] or a.payload["to_groups"]) or ("requester",))
            for a in decisions.outgoing
            if a.channel == "notify"
        ]


@pytest.fixture
def make_desk(clock):
    def make(**policy_settings) -> SimulatedDesk:
        settings = {
            "directory": DIRECTORY,
            "instances": frozenset({"rt"}),
            "accounts": {"rt": "baton"},
            "triage_groups": frozenset({"Triage"}),
            **policy_settings,
        }
        return SimulatedDesk(Policy(**settings), clock)

    return make
