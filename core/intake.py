"""Intake: a normalised tool event becomes ledger entries, outbox rows and timers, in one transaction.

The incoming event is kept in the inbox under its tool id first, so a repeat (a webhook retried, a
poll that overlaps the last one) is a no-op, and nothing is sent before its decision is committed.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.store.unit_of_work import Store, UnitOfWork


@dataclass
class IntakeReport:
    new: int = 0
    duplicates: int = 0
    entries: list[str] = field(default_factory=list)  # ledger entry types written, in order


def tool_event_payload(event: ToolEvent) -> dict:
    holder = lambda h: None if h is None else {"group": h.group, "person": h.person}  # noqa: E731
    return {"ticket": str(event.ticket), "kind": str(event.kind), "at": event.at.isoformat(),
            "actor": event.actor, "old_holder": holder(event.old_holder), "new_holder": holder(event.new_holder),
            "fields": dict(event.fields), "text": event.text}


@dataclass
class Intake:
    store: Store
    engine: RulesEngine
    clock: Clock

    def ingest(self, source: str, events: Iterable[ToolEvent]) -> IntakeReport:
        report = IntakeReport()
        for event in events:
            now = self.clock.now()
            with self.store.unit_of_work(now) as uow:
                if not uow.record_incoming(source, event.event_id, tool_event_payload(event)):
                    report.duplicates += 1
                    continue
                ticket = uow.load_ticket(event.ticket)
                previous = uow.load_facts(event.ticket)
                facts = previous.updated_from(event)
                decisions = self.engine.on_tool_event(ticket, event, now, facts=facts, previous=previous)
                write_decisions(uow, ticket, decisions)
                uow.save_facts(event.ticket, facts)
                uow.mark_incoming_done(source, event.event_id)
            report.new += 1
            report.entries.extend(e.entry_type for e in decisions.events)
        return report


def write_decisions(uow: UnitOfWork, ticket, decisions: Decisions) -> None:
    """Ledger entries first (they may create the ticket row), then outbox rows and timers."""
    uow.append(ticket, decisions.events)
    for action in decisions.outgoing:
        uow.queue_outgoing(action.idempotency_key, action.channel, action.payload, ticket=ticket.key)
    for timer in decisions.timers:
        uow.set_timer(timer.key, ticket.key, timer.kind, timer.due_at, timer.handoff_id, timer.payload)
    for key in decisions.cancel_timers:
        uow.cancel_timer(key)
