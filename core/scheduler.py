"""The scheduler: fires due timers. A tick reads only what is due (index on due_at), so its cost grows
with the due timers, not with the open tickets. Each timer is handled in its own transaction, claimed
with FOR UPDATE SKIP LOCKED on PostgreSQL so several processes can share the work."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.intake import write_decisions
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.timers import DueTimer, TimerKind
from baton_itsm.core.store.schema import tickets, timers
from baton_itsm.core.store.unit_of_work import Store


@dataclass
class TickReport:
    fired: int = 0
    entries: int = 0


@dataclass
class Scheduler:
    store: Store
    engine: RulesEngine
    clock: Clock

    def due(self, limit: int = 100) -> list[int]:
        with self.store.engine.connect() as connection:
            query = (select(timers.c.id).where(timers.c.due_at <= self.clock.now())
                     .order_by(timers.c.due_at).limit(limit))
            return list(connection.execute(query).scalars())

    def tick(self, limit: int = 100) -> TickReport:
        report = TickReport()
        for timer_id in self.due(limit):
            now = self.clock.now()
            with self.store.unit_of_work(now) as uow:
                query = (select(timers, tickets.c.instance, tickets.c.external_id)
                         .join(tickets, tickets.c.id == timers.c.ticket_id).where(timers.c.id == timer_id))
                if uow.connection.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True, of=timers)
                row = uow.connection.execute(query).first()
                if row is None:
                    continue  # another process took it, or it was cancelled meanwhile
                key = TicketKey(row.instance, row.external_id)
                timer = DueTimer(row.timer_key, TimerKind(row.kind), row.due_at, row.handoff_id, row.payload)
                uow.connection.execute(delete(timers).where(timers.c.id == timer_id))
                ticket = uow.load_ticket(key)
                decisions = self.engine.on_timer(ticket, uow.load_facts(key), timer, now)
                write_decisions(uow, ticket, decisions)
            report.fired += 1
            report.entries += len(decisions.events)
        return report
