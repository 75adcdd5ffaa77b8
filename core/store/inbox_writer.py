"""Keeping webhook deliveries in the inbox, many in one transaction: the receiver's only write.

`write(rows, now)` inserts each (source, delivery id, payload) unless that (source, delivery id) is kept
already, all in one transaction, and says for each whether it was new. A delivery id twice in one call
is kept once: the second insert meets the first one's row. Nothing is kept if the transaction fails.

On a SQLite file the rows go through the driver's own connection: one prepared insert-or-ignore, no
SQLAlchemy statement or unit of work per delivery, which cost most of the receiver's time. The values
are stored exactly as SQLAlchemy stores them (its DateTime text, json.dumps), so the inbox worker reads
them back unchanged. Any other store keeps them through a unit of work, as before.

A SQLite writer opened with `wait=False` never waits for the write lock: it raises StoreBusy at once
when this process or another one is writing, so the event loop can write through it and hand the
deliveries to a waiting writer only when the store is busy.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from baton_itsm.core.store.database import RETRY_SECONDS, WAIT_SECONDS
from baton_itsm.core.store.location import sqlite_path, sqlite_pragmas
from baton_itsm.core.store.settling import settles_at
from baton_itsm.core.store.sqlite_rows import sqlite_time
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.inbox_payload import delivery_ticket

_SQLITE_INSERT = (
    "INSERT INTO inbox (source, event_id, received_at, payload, ticket, status, attempts, claimed_until) "
    "VALUES (?, ?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (source, event_id) DO NOTHING"
)


class StoreBusy(Exception):
    """A writer that does not wait found the store being written; nothing was kept."""


class InboxWriter(Protocol):
    def write(self, rows: Sequence[tuple[str, str, dict]], now: datetime) -> list[bool]:
        """Keep each (source, delivery id, payload) once, in one transaction; True for each newly kept."""

    def close(self) -> None:
        """Release the connection."""


class SqliteInboxWriter:
    """One driver connection, used by one thread at a time."""

    def __init__(self, store: Store, path, wait: bool = True):
        if store.sqlite_lock is None:
            raise ValueError(f"not a SQLite store: {path}")
        self._lock = store.sqlite_lock  # the same in-process queue as every unit of work (see Store)
        self._wal = store.wal
        self._wait = wait
        # Never SQLite's busy handler: it sleeps 1, 2, 5 ... 100 ms and is not woken when the lock frees, so behind
        # the workers' process (core/runtime/worker_process.py) each delivery waited far longer than that
        # process held the lock. A waiting writer tries again every RETRY_SECONDS instead (`begin_immediate`).
        self._raw = sqlite3.connect(path, timeout=0, check_same_thread=False)
        sqlite_pragmas(self._raw)
        # A commit that checkpointed the WAL (an fsync) stalled every request for milliseconds: the Store
        # checkpoints outside the write lock instead (store/wal.py), and so does the writer thread here.
        self._raw.execute("PRAGMA wal_autocheckpoint=0")

    def write(self, rows: Sequence[tuple[str, str, dict]], now: datetime) -> list[bool]:
        return self.copy(sqlite_inbox_rows(rows, now))

    def copy(self, values: Sequence[tuple]) -> list[bool]:
        """Insert rows already in the inbox's stored form (`sqlite_inbox_rows`), as `write` does."""
        if not self._lock.acquire(blocking=self._wait):
            raise StoreBusy("another thread of this process is writing")
        try:
            kept = insert_each(self._raw, _SQLITE_INSERT, values, self._wait)
        finally:
            self._lock.release()
        if self._wait and self._wal is not None:
            self._wal.now_and_then()  # never on the event loop, whose writer does not wait
        return kept

    def close(self) -> None:
        self._raw.close()


def sqlite_inbox_rows(rows: Sequence[tuple[str, str, dict]], now: datetime) -> list[tuple]:
    """(source, delivery id, payload) as the inbox's SQLite columns: source, event_id, received_at, payload,
    ticket, claimed_until (the end of its settle delay)."""
    received_at = sqlite_time(now)
    return [
        (
            source,
            delivery,
            received_at,
            json.dumps(payload),
            delivery_ticket(payload),
            sqlite_time(settles_at(payload, now)),
        )
        for source, delivery, payload in rows
    ]


def insert_each(raw: sqlite3.Connection, insert: str, values: Sequence[tuple], wait: bool) -> list[bool]:
    """Each row through an insert-or-ignore, in one transaction: whether each was new. Nothing is kept if any
    fails; a writer that does not wait raises StoreBusy when another connection is writing."""
    cursor = raw.cursor()
    try:
        begin_immediate(cursor, wait)
        kept = []
        for row in values:
            cursor.execute(insert, row)
            kept.append(cursor.rowcount == 1)
        cursor.execute("COMMIT")
        return kept
    except BaseException as error:
        if raw.in_transaction:
            raw.rollback()
        if not wait and isinstance(error, sqlite3.OperationalError):  # locked by another process
            raise StoreBusy(str(error)) from None
        raise
    finally:
        cursor.close()


def begin_immediate(cursor, wait: bool) -> None:
    """Take SQLite's write lock; a waiting writer retries every RETRY_SECONDS, for up to WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            cursor.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not wait or "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(RETRY_SECONDS)


class UnitOfWorkInboxWriter:
    """Any store SQLAlchemy speaks to (PostgreSQL): the rows in one unit of work."""

    def __init__(self, store: Store):
        self._store = store

    def write(self, rows: Sequence[tuple[str, str, dict]], now: datetime) -> list[bool]:
        with self._store.unit_of_work(now) as uow:
            return [uow.record_incoming(source, delivery, payload) for source, delivery, payload in rows]

    def close(self) -> None:
        pass


def open_inbox_writer(store: Store) -> InboxWriter:
    path = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    return SqliteInboxWriter(store, path) if path is not None else UnitOfWorkInboxWriter(store)


def open_quick_inbox_writer(store: Store) -> InboxWriter | None:
    """A writer that raises StoreBusy instead of waiting; None for a store that has none (a server,
    whose every write is a network round trip: never on the event loop)."""
    path = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    return SqliteInboxWriter(store, path, wait=False) if path is not None else None
