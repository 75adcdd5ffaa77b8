"""One transaction over the store: everything handling one command or event writes commits together."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.facts import TicketFacts
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.domain.review_events import (
    EscalationReviewClosed,
    EscalationReviewOpened,
    EscalationReviewReopened,
)
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.store.codec import event_to_row, row_to_entries
from baton_itsm.core.store.dialects import insert_or_nothing
from baton_itsm.core.store.errors import ConcurrentChange
from baton_itsm.core.store.inbox_claims import kept_event_ids
from baton_itsm.core.store.leases import locked
from baton_itsm.core.store.schema import escalation_reviews, inbox, ledger_entries, outbox, tickets, timers
from baton_itsm.core.store.settling import settles_at
from baton_itsm.core.store.ticket_cache import TicketCache
from baton_itsm.core.store.ticket_columns import facts_columns, facts_of, projection_columns
from baton_itsm.core.store.wal import WalCheckpoints
from baton_itsm.core.store.write_batch import WriteBatch
from baton_itsm.core.usecases.inbox_payload import delivery_ticket


@dataclass(frozen=True)
class LedgerEntry:
    """A ledger row as people read it: the event plus where it sits in the ledger."""

    seq: int
    version: int
    recorded_at: datetime
    event: LedgerEvent


class UnitOfWork:
    def __init__(
        self,
        connection: Connection,
        now: datetime,
        ownership: OwnershipPolicy,
        intake_groups: frozenset[str] = frozenset(),
        cache: TicketCache | None = None,
    ):
        self.connection = connection
        self.cache = cache
        self.now = now
        self.ownership = ownership
        self.intake_groups = intake_groups
        self._row_ids: dict[TicketKey, int] = {}
        self._tickets: dict[TicketKey, Ticket] = {}
        self._facts: dict[TicketKey, TicketFacts] = {}
        self._buffer: WriteBatch | None = None  # while batched (core/store/write_batch.py)

    # --- batches: many tickets in one transaction, for the scheduler -----------------------------
    @contextmanager
    def batched(self) -> Iterator[None]:
        """Hold writes back and send them together at the end (loads hit what `preload` read)."""
        self._buffer = buffer = WriteBatch()
        try:
            yield
            buffer.flush(self.connection)
        finally:
            self._buffer = None

    def preload(self, tickets_by_row_id: dict[int, TicketKey]) -> None:
        """Read the tickets (by row id), their ledgers and facts in two queries instead of three per ticket."""
        ids = list(tickets_by_row_id)
        if not ids:
            return
        to_read, behind, versions = set(ids), {}, {}
        for row in self.connection.execute(select(tickets).where(tickets.c.id.in_(ids))):
            key = tickets_by_row_id[row.id]
            self._row_ids[key] = row.id
            self._facts[key] = facts_of(row)
            versions[row.id] = row.version
            kept = self.cache.get(key, row.version) if self.cache is not None else None
            if kept is not None:  # as this process committed it, and nobody wrote since (store/ticket_cache.py)
                self._tickets[key] = kept
                to_read.discard(row.id)
            elif self.cache is not None and (older := self.cache.older(key, row.version)) is not None:
                behind[row.id] = older  # another process wrote since: only its entries are read
        if not to_read:
            return
        since = {row_id: behind[row_id].version if row_id in behind else 0 for row_id in to_read}
        events: dict[int, list] = {row_id: [] for row_id in to_read}
        entries = (
            select(ledger_entries)
            .where(ledger_entries.c.ticket_id.in_(sorted(to_read)), ledger_entries.c.version > min(since.values()))
            .order_by(ledger_entries.c.ticket_id, ledger_entries.c.version)
        )
        for row in self.connection.execute(entries):
            start = since[row.ticket_id]
            if row.version > start:  # a compact history row ends at its version and may start before `start`
                key = tickets_by_row_id[row.ticket_id]
                events[row.ticket_id] += (event for version, event in row_to_entries(row, key) if version > start)
        for row_id in to_read:
            key = tickets_by_row_id[row_id]
            ticket = behind.get(row_id) or Ticket(key, intake_groups=self.intake_groups)
            for event in events[row_id]:
                ticket.apply(event)
            if ticket.version != versions.get(row_id, ticket.version):  # never expected: the ledger decides
                ticket = Ticket.from_events(key, (e.event for e in self._entries(row_id, key)), self.intake_groups)
            self._tickets[key] = ticket

    def tickets_held(self) -> list[Ticket]:
        """The tickets this unit of work preloaded or batched, as its writes left them."""
        return list(self._tickets.values())

    # --- tickets and the ledger -------------------------------------------------------------
    def load_ticket(self, key: TicketKey) -> Ticket:
        """The ticket rebuilt from its ledger; its row is locked (PostgreSQL) until commit."""
        if key in self._tickets:
            return self._tickets[key]
        row_id = self._ticket_row_id(key, lock=True)
        if row_id is None:
            ticket = Ticket(key, intake_groups=self.intake_groups)
        else:
            ticket = Ticket.from_events(key, (entry.event for entry in self._entries(row_id, key)), self.intake_groups)
        if self._buffer is not None:  # its entries of this batch are not written yet: later loads must see them
            self._tickets[key] = ticket
        return ticket

    def append(self, ticket: Ticket, events: Sequence[LedgerEvent]) -> None:
        """Apply `events` to `ticket` and write them; refuses if another writer got there first."""
        if not events:
            return
        row_id = self._ticket_row_id(ticket.key) or self._create_ticket(ticket.key)
        rows = []
        for event in events:
            ticket.apply(event)
            rows.append(
                {**event_to_row(event), "ticket_id": row_id, "version": ticket.version, "recorded_at": self.now}
            )
        self._escalation_review_states(row_id, events)
        projection = projection_columns(ticket, self.ownership)
        if self._buffer is not None:
            self._buffer.ledger += rows
            self._buffer.projections[row_id] = projection
            return
        try:
            self.connection.execute(insert(ledger_entries), rows)
        except IntegrityError:
            raise ConcurrentChange(f"{ticket.key} changed while this command ran; try again") from None
        self.connection.execute(update(tickets).where(tickets.c.id == row_id).values(**projection))

    def load_facts(self, key: TicketKey) -> TicketFacts:
        if key in self._facts:
            return self._facts[key]
        row = self.ticket_summary(key)
        return TicketFacts() if row is None else facts_of(row)

    def save_facts(self, key: TicketKey, facts: TicketFacts) -> None:
        row_id = self._ticket_row_id(key) or self._create_ticket(key)
        values = facts_columns(facts)
        self._facts[key] = facts
        if self._buffer is not None:
            self._buffer.facts[row_id] = values
            return
        self.connection.execute(update(tickets).where(tickets.c.id == row_id).values(**values))

    def ledger(self, key: TicketKey) -> list[LedgerEntry]:
        row_id = self._ticket_row_id(key)
        return [] if row_id is None else self._entries(row_id, key)

    def ticket_of_handoff(self, handoff_id: str) -> TicketKey | None:
        row = self.connection.execute(
            select(tickets.c.instance, tickets.c.external_id)
            .join(ledger_entries, ledger_entries.c.ticket_id == tickets.c.id)
            .where(ledger_entries.c.handoff_id == handoff_id)
            .limit(1)
        ).first()
        return TicketKey(row.instance, row.external_id) if row else None

    def ticket_summary(self, key: TicketKey) -> Any | None:
        return self.connection.execute(
            select(tickets).where(tickets.c.instance == key.instance, tickets.c.external_id == key.ticket_id)
        ).first()

    # --- inbox, outbox, timers ---------------------------------------------------------------
    def record_incoming(self, source: str, event_id: str, payload: dict, status: str = "pending") -> bool:
        """Keep an incoming tool event; False when that (source, event id) was already kept. With another status
        than pending (`taken`, core/usecases/intake.py) it is kept as handled already, in the same one statement."""
        pending = status == "pending"
        row = {
            "source": source,
            "event_id": event_id,
            "received_at": self.now,
            "payload": payload,
            "ticket": delivery_ticket(payload),
            "status": status,
            "attempts": 0 if pending else 1,
            "processed_at": None if pending else self.now,
            "claimed_until": settles_at(payload, self.now) if pending else None,
        }
        if not pending and self._buffer is not None and (source, event_id) in self._buffer.looked_up:
            return self._buffer.take(row)
        return self._insert_once(inbox, row, ["source", "event_id"])

    def look_up_incoming(self, source: str, event_ids: Sequence[str]) -> None:
        """While batched: read at once which of these ids are kept, so that keeping one of them as taken
        (`record_incoming`) is a row written with the batch's others at its end, not a statement of its own."""
        if self._buffer is None or not event_ids:
            return
        self._buffer.looked_up.update((source, event_id) for event_id in event_ids)
        self._buffer.kept.update((source, event_id) for event_id in kept_event_ids(self.connection, source, event_ids))

    def mark_incoming_done(self, source: str, event_id: str, status: str = "done") -> None:
        """`done`: handled; `taken`: an event a delivery brought, kept under its own id (core/usecases/intake.py)."""
        self.connection.execute(
            update(inbox)
            .where(inbox.c.source == source, inbox.c.event_id == event_id)
            .values(status=status, processed_at=self.now, attempts=inbox.c.attempts + 1)
        )

    def queue_outgoing(
        self, idempotency_key: str, channel: str, payload: dict, ticket: TicketKey | None = None
    ) -> bool:
        """Queue a tool action or notification; False when that idempotency key is already queued."""
        ticket_id = self._ticket_row_id(ticket) if ticket else None
        row = {
            "idempotency_key": idempotency_key,
            "channel": channel,
            "ticket_id": ticket_id,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": self.now,
            "created_at": self.now,
        }
        if self._buffer is not None:
            self._buffer.outbox.append(row)
            return True  # in a batch, a repeat is dropped at the end without telling
        return self._insert_once(outbox, row, ["idempotency_key"])

    def set_timer(
        self,
        timer_key: str,
        ticket: TicketKey,
        kind: str,
        due_at: datetime,
        handoff_id: str | None = None,
        payload: dict | None = None,
    ) -> None:
        """Start a timer, or move it if one with that key runs already."""
        ticket_id = self._ticket_row_id(ticket) or self._create_ticket(ticket)
        values = {
            "ticket_id": ticket_id,
            "kind": kind,
            "handoff_id": handoff_id,
            "due_at": due_at,
            "payload": payload or {},
            "claimed_until": None,
        }
        if self._buffer is not None:
            self._buffer.timers[timer_key] = values
            return
        moved = self.connection.execute(update(timers).where(timers.c.timer_key == timer_key).values(**values))
        if moved.rowcount == 0:
            self.connection.execute(insert(timers).values(timer_key=timer_key, **values))

    def cancel_timer(self, timer_key: str) -> None:
        if self._buffer is not None:
            self._buffer.timers[timer_key] = None
            return
        self.connection.execute(delete(timers).where(timers.c.timer_key == timer_key))

    # --- internals ---------------------------------------------------------------------------
    def _escalation_review_states(self, row_id: int, events: Sequence[LedgerEvent]) -> None:
        """Keep escalation_reviews in step with the reviews' entries (rare: written at once, even in a batch)."""
        for event in events:
            if isinstance(event, EscalationReviewOpened):
                self.connection.execute(
                    insert_or_nothing(self.connection.dialect.name, escalation_reviews, ["handoff_id"]).values(
                        handoff_id=event.handoff_id, ticket_id=row_id, state="open", opened_at=event.at
                    )
                )
            elif isinstance(event, (EscalationReviewClosed, EscalationReviewReopened)):
                state = "closed" if isinstance(event, EscalationReviewClosed) else "open"
                self.connection.execute(
                    update(escalation_reviews)
                    .where(escalation_reviews.c.handoff_id == event.handoff_id)
                    .values(state=state)
                )

    def _insert_once(self, table, values: dict, conflict_columns: list[str]) -> bool:
        statement = _insert_once_statement(self.connection.dialect.name, table, tuple(conflict_columns))
        return self.connection.execute(statement, values).first() is not None

    def ticket_row_id(self, key: TicketKey) -> int | None:
        """The ticket's row id, None when the ledger has never seen it."""
        return self._ticket_row_id(key)

    def _ticket_row_id(self, key: TicketKey, lock: bool = False) -> int | None:
        if key in self._row_ids and not lock:
            return self._row_ids[key]
        query = select(tickets.c.id).where(tickets.c.instance == key.instance, tickets.c.external_id == key.ticket_id)
        row_id = self.connection.execute(locked(self.connection, query) if lock else query).scalar_one_or_none()
        if row_id is not None:
            self._row_ids[key] = row_id
        return row_id

    def _create_ticket(self, key: TicketKey) -> int:
        self._insert_once(
            tickets,
            {
                "instance": key.instance,
                "external_id": key.ticket_id,
                "version": 0,
                "bounces": 0,
                "created_at": self.now,
            },
            ["instance", "external_id"],
        )
        row_id = self._ticket_row_id(key, lock=True)
        if row_id is None:  # inserted just now, by this or another writer; a ticket's row is never deleted
            raise ConcurrentChange(f"{key} has no row right after it was created; try again")
        return row_id

    def _entries(self, row_id: int, key: TicketKey) -> list[LedgerEntry]:
        rows = self.connection.execute(
            select(ledger_entries).where(ledger_entries.c.ticket_id == row_id).order_by(ledger_entries.c.version)
        )
        return [
            LedgerEntry(row.seq, version, row.recorded_at, event)
            for row in rows
            for version, event in row_to_entries(row, key)
        ]


@cache
def _insert_once_statement(dialect_name: str, table, conflict_columns: tuple[str, ...]):
    """Built once per table, values bound per call: building `.values(...)` each time cost more than the insert."""
    return insert_or_nothing(dialect_name, table, list(conflict_columns)).returning(table.c.id)


# The connection of the unit of work this thread is in, if any: what the rules read lazily while deciding (who is
# away, who holds how many tickets) is read in the same transaction, never beside it (store/away_periods.py).
CURRENT_CONNECTION: ContextVar[Connection | None] = ContextVar("baton_current_connection", default=None)


class Store:
    """The ledger store. Open a unit of work per command or incoming event."""

    def __init__(
        self, engine: Engine, ownership: OwnershipPolicy | None = None, intake_groups: frozenset[str] = frozenset()
    ):
        self.engine = engine
        self.ownership = ownership or OwnershipPolicy()
        self.intake_groups = intake_groups
        # SQLite lets one writer in at a time, and a thread that finds it locked sleeps in SQLite's busy
        # handler (1, 2, 5 ... 100 ms) without being woken when the lock frees: under concurrent webhooks
        # most time went to sleeping. This process's units of work queue here instead and get the database
        # at once; other processes still meet SQLite's own lock and busy timeout. The webhook receiver's
        # inbox writer (store/inbox_writer.py) queues here too.
        self.sqlite_lock = threading.RLock() if engine.dialect.name == "sqlite" else None
        self.write_lock = self.sqlite_lock or nullcontext()
        self.wal = WalCheckpoints(engine) if engine.dialect.name == "sqlite" else None
        self.tickets = TicketCache()  # as this process last committed them (store/ticket_cache.py)

    @contextmanager
    def unit_of_work(self, now: datetime) -> Iterator[UnitOfWork]:
        with self.write_lock, self.engine.begin() as connection:
            token = CURRENT_CONNECTION.set(connection)
            try:
                uow = UnitOfWork(connection, now, self.ownership, self.intake_groups, self.tickets)
                yield uow
            finally:
                CURRENT_CONNECTION.reset(token)
        self.tickets.keep(uow.tickets_held())  # committed: the next batch may start from these
        if self.wal is not None:
            self.wal.now_and_then()  # the lock is free again: store/wal.py
