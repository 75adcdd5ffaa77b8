"""Intake: a normalised tool event becomes ledger entries, outbox rows and timers, in one transaction.

Every event is kept in the inbox under its tool id, and a webhook delivery also under its delivery id, so a
repeat (a webhook retried, a poll that overlaps the last one, a change read by the poll that a webhook brought
too, in `mode: both`) is a no-op, and nothing is sent before its decision is committed. Each connector names a
change the same way on both paths (its webhook module says how). Two paths:
- `ingest` (polling): keep and handle each event in one transaction;
- `receive` then `process_pending` (webhooks): keep the delivery durably first, so the receiver can
  answer 2xx as soon as it is safe, then handle it, in this or any other process, under a lease: a
  process that dies mid-way leaves the delivery to be taken again when the lease runs out. The HTTP
  receiver keeps deliveries through core/runtime/group_commit.py instead of `receive`, into the same inbox rows.

A tool that posts one write as several deliveries (Request Tracker's Scrip: one per transaction) has each wait a
moment for the rest (core/store/settling.py); the write is then handled as one change, as the poll reads it
(core/usecases/joined_deliveries.py), and its deliveries are done together.

A delivery whose handling fails is tried again after a growing delay; after `max_attempts` failures it is
parked (status `parked`, its last error and attempts kept, an ERROR logged once), never dropped and never
retried for ever: `baton inbox list` shows it, `baton inbox retry ID` puts it back. A parked delivery no
longer holds back its ticket's later deliveries: they are handled without it (the parking's ERROR says
so), because the tool stays the truth and convergence reads the ticket again, while holding them would
stop Baton following that ticket at all. A delivery put back after them is handled after them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.store.convergence_queries import awaiting_holder_write
from baton_itsm.core.store.errors import another_writer
from baton_itsm.core.store.inbox_claims import claim_pending, pending_attempts, pending_delivery, record_attempt
from baton_itsm.core.store.inbox_queries import TAKEN
from baton_itsm.core.store.unit_of_work import Store, UnitOfWork
from baton_itsm.core.usecases.inbox_payload import delivery_payload
from baton_itsm.core.usecases.intake_batches import handle_round, rounds_of
from baton_itsm.core.usecases.joined_deliveries import joined

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # the default of service.inbox_max_attempts: then the delivery is parked
PARKED = "parked"


@dataclass
class IntakeReport:
    new: int = 0
    duplicates: int = 0
    failed: int = 0
    entries: list[str] = field(default_factory=list)  # ledger entry types written, in order
    claimed: int = 0  # deliveries the round took: as many as it could means more are waiting


@dataclass
class Intake:
    store: Store
    engine: RulesEngine
    clock: Clock
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = MAX_ATTEMPTS  # failures of one delivery before it is parked

    def ingest(self, source: str, events: Iterable[ToolEvent]) -> IntakeReport:
        """Keep and handle each event in one transaction (the polling path)."""
        report = IntakeReport()
        for event in events:
            now = self.clock.now()
            with self.store.unit_of_work(now) as uow:
                first = uow.record_incoming(source, event.event_id, delivery_payload([event]))
                _keep_joined(uow, source, event)
                if not first:
                    report.duplicates += 1
                    continue
                report.entries += self._handle(uow, event)
                uow.mark_incoming_done(source, event.event_id)
            report.new += 1
        return report

    def receive(self, source: str, delivery_id: str, events: list[ToolEvent]) -> bool:
        """Keep a delivery durably; False when this delivery id was kept before (a retry)."""
        return self.keep(source, delivery_id, delivery_payload(events))

    def keep(self, source: str, delivery_id: str, payload: dict) -> bool:
        """`receive` for a payload already built by `delivery_payload`."""
        with self.store.unit_of_work(self.clock.now()) as uow:
            return uow.record_incoming(source, delivery_id, payload)

    def process_pending(self, limit: int = 100) -> IntakeReport:
        """Handle kept deliveries, oldest first, many to a transaction (core/usecases/intake_batches.py). If a
        transaction fails, the rest are handled one by one, each in its own; once one fails, its ticket's later
        deliveries in this claim wait: they are taken again, in order, when it is done or parked."""
        report = IntakeReport()
        claimed = self._claim_with_tickets(limit)
        report.claimed = len(claimed)
        rounds = rounds_of(claimed)
        for position, row_ids in enumerate(rounds):
            try:
                done, duplicates, entries = handle_round(
                    self.store, self.clock.now(), row_ids, self._handle, _first_sight
                )
            except Exception as error:
                # Another writer got there first (PostgreSQL: a ticket, an event, a deadlock): expected now and then.
                # Anything else is a fault of the batched path itself, which one-by-one handling may never meet: said
                # at WARNING, or every burst would run ten times slower with nobody told.
                log.log(
                    logging.INFO if another_writer(error) else logging.WARNING,
                    "inbox: a batch of %d deliveries failed; handling them one by one",
                    len(row_ids),
                    exc_info=True,
                )
                left = {i for r in rounds[position:] for i in r}
                self._one_by_one({i: t for i, t in claimed.items() if i in left}, report)
                return report
            report.new += done
            report.duplicates += duplicates
            report.entries += entries
        return report

    def _one_by_one(self, claimed: dict[int, str | None], report: IntakeReport) -> None:
        stopped: set[str | None] = set()
        for row_id, ticket in claimed.items():
            if ticket is not None and ticket in stopped:
                continue
            failed = report.failed
            self.process(row_id, report)
            if report.failed > failed:
                stopped.add(ticket)

    def process(self, row_id: int, report: IntakeReport) -> None:
        """Handle one claimed delivery, unless another process (whose lease ran out) has done it meanwhile."""
        now = self.clock.now()
        try:
            with self.store.unit_of_work(now) as uow:
                # Locked: of two processes holding this delivery, the second waits for the first to commit
                # and then sees it done, instead of handling it a second time.
                row = pending_delivery(uow.connection, row_id)
                if row is None:
                    return
                events, joined_deliveries = joined(uow, row)
                for event in events:
                    if event.event_id != row.event_id and not _first_sight(uow, row.source, event):
                        report.duplicates += 1
                        continue
                    report.entries += self._handle(uow, event)
                for delivery_id in (row.event_id, *joined_deliveries):
                    uow.mark_incoming_done(row.source, delivery_id)
            report.new += 1 + len(joined_deliveries)  # deliveries handled: those of one write with it
        except Exception as error:
            log.warning("inbox delivery %s failed; it is tried again later", row_id, exc_info=True)
            if self.record_failure(row_id, f"{type(error).__name__}: {error}"[:2000]):
                report.failed += 1

    def _handle(self, uow: UnitOfWork, event: ToolEvent) -> list[str]:
        ticket = uow.load_ticket(event.ticket)
        previous = uow.load_facts(event.ticket)
        # Baton's own note (a reminder, a reply to a comment command) is not someone working the ticket:
        # counted as activity, it would restart the very staleness it reports.
        own_note = event.kind is ToolEventKind.COMMENTED and self.engine.policy.is_baton(
            event.ticket.instance, event.actor
        )
        facts = previous if own_note else previous.updated_from(event)
        # An observation of the tool while a write of Baton's is under way shows the tool before that write.
        awaiting = (event.kind is ToolEventKind.OBSERVED or previous.unverified) and awaiting_holder_write(
            uow, event.ticket
        )
        decisions = self.engine.on_tool_event(
            ticket, event, uow.now, facts=facts, previous=previous, awaiting_write=awaiting
        )
        write_decisions(uow, ticket, decisions)
        uow.save_facts(event.ticket, facts)
        return [e.entry_type for e in decisions.events]

    def _claim(self, limit: int) -> list[int]:
        return list(self._claim_with_tickets(limit))

    def _claim_with_tickets(self, limit: int) -> dict[int, str | None]:
        """Claim up to `limit` pending deliveries, oldest first: {inbox row id: its ticket}."""
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            return claim_pending(uow.connection, now, self.lease, limit)

    def record_failure(self, row_id: int, message: str) -> bool:
        """Count a failed attempt on a delivery that is still pending: it is tried again after a growing delay,
        and parked after `max_attempts`. False, and nothing changed, when it is pending no more.

        The attempt's own transaction has rolled back by now, and with it its lock on the row: another process
        may have handled the delivery in between (on PostgreSQL, one that waited for that lock; a deadlock is
        the usual failure). Setting such a row back to pending would have it handled a second time.
        """
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            row = pending_attempts(uow.connection, row_id)
            if row is None:
                return False
            attempts = row.attempts + 1
            parked = attempts >= self.max_attempts
            retry_in = min(self.lease * attempts, timedelta(hours=1))
            record_attempt(uow.connection, row_id, attempts, message, now + retry_in, PARKED if parked else "pending")
        if parked:
            log.error(
                "inbox delivery %s from %s (ticket %s) parked after %d failed attempts: %s. Later deliveries "
                "of that ticket are handled without it. Fix the cause, then `baton inbox retry %s`; "
                "`baton inbox list` shows every parked delivery",
                row_id,
                row.source,
                row.ticket or "-",
                attempts,
                message,
                row_id,
            )
        return True


def _first_sight(uow: UnitOfWork, source: str, event: ToolEvent) -> bool:
    """Keep a delivered event under its own id, as the poll keeps the events it reads; False when that id was kept
    before. The tool's change has one id on both paths (`mode: both`), so a change the poll took is not taken again
    from a delivery, and the poll finds a change a delivery brought already kept. On PostgreSQL the second of two
    processes keeping the same id waits for the first to commit, then finds it kept."""
    first = uow.record_incoming(source, event.event_id, delivery_payload([event]), status=TAKEN)
    _keep_joined(uow, source, event)
    return first


def _keep_joined(uow: UnitOfWork, source: str, event: ToolEvent) -> None:
    """Keep the ids of the further changes of the event's write as taken (core/domain/writes.py: RT's second
    transaction of one PUT), so that neither path takes one of them again as a change of its own."""
    for joined_id in event.joined_ids:
        uow.record_incoming(source, joined_id, delivery_payload([event]), status=TAKEN)


def write_decisions(uow: UnitOfWork, ticket, decisions: Decisions) -> None:
    """Ledger entries first (they may create the ticket row), then outbox rows and timers."""
    uow.append(ticket, decisions.events)
    for action in decisions.outgoing:
        uow.queue_outgoing(action.idempotency_key, action.channel, action.payload, ticket=ticket.key)
    for timer in decisions.timers:
        uow.set_timer(timer.key, ticket.key, timer.kind, timer.due_at, timer.handoff_id, timer.payload)
    for key in decisions.cancel_timers:
        uow.cancel_timer(key)
