"""The scheduler: fires due timers.

A tick reads only what is due (the index on due_at), so its cost grows with the due timers, not with
the open tickets. The due timers are claimed in one transaction (FOR UPDATE SKIP LOCKED on PostgreSQL,
so several processes share the work without firing a timer twice), their tickets are read in three
queries by primary key, and what the rules decide is written back in a few batched statements.

On PostgreSQL the claim locks each timer's ticket row too, skipping a ticket an event or a command is
changing right now (its timer fires at the next tick). The intake locks a ticket, then may move its
timer; a scheduler holding the timer and then waiting for the ticket would deadlock with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.timers import DueTimer, TimerKind
from baton_itsm.core.store.timer_claims import due_timer_ids, take_due
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.intake import write_decisions

log = logging.getLogger(__name__)
RETRY_FAILED_TIMER = timedelta(minutes=5)


@dataclass
class TickReport:
    fired: int = 0
    entries: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass
class Scheduler:
    store: Store
    engine: RulesEngine
    clock: Clock

    def due(self, limit: int = 100) -> list[int]:
        with self.store.engine.connect() as connection:
            return due_timer_ids(connection, self.clock.now(), limit)

    def tick(self, limit: int = 100) -> TickReport:
        report = TickReport()
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow, uow.batched():
            rows = take_due(uow.connection, now, limit)
            if not rows:
                return report
            keys = {r.ticket_id: TicketKey(r.instance, r.external_id) for r in rows}
            uow.preload(keys)
            for row in rows:
                key = keys[row.ticket_id]
                timer = DueTimer(row.timer_key, TimerKind(row.kind), row.due_at, row.handoff_id, row.payload)
                ticket = uow.load_ticket(key)
                try:
                    decisions = self.engine.on_timer(ticket, uow.load_facts(key), timer, now)
                except Exception as error:
                    log.exception("timer %s of %s failed; retrying in %s", timer.key, key, RETRY_FAILED_TIMER)
                    report.failed.append(f"{timer.key}: {error}")
                    uow.set_timer(timer.key, key, timer.kind, now + RETRY_FAILED_TIMER, timer.handoff_id, timer.payload)
                    continue
                write_decisions(uow, ticket, decisions)
                report.fired += 1
                report.entries += len(decisions.events)
        return report
