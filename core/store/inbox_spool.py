"""The receiver's spool: where `baton run` keeps webhook deliveries on SQLite while its workers run in a
process of their own.

SQLite lets one connection write a file at a time. With the workers in their own process (the second core),
every acknowledgement waited behind the inbox worker's transactions: the receiver kept 671 deliveries a second
where it kept 1,575 sharing a process with them (benchmarks/webhooks.py). So the receiver writes another file,
the spool beside the ledger (`ledger.db.spool`), which nothing else writes but for a moment now and then, and
the inbox worker moves what it finds there into the inbox before each claim (`SpoolDrain`). The receiver never
reads or writes the ledger's file.

- **Nothing lost, nothing twice.** A delivery is answered 2xx once it is committed in the spool. The worker
  copies the rows after the spool's `drained` mark into the inbox (insert-or-ignore on source and delivery id,
  one transaction) and moves the mark only after that commit: a crash in between copies them again, and the
  copies are ignored. Inbox rows are never deleted, so that holds however late the copy comes. Row ids are
  never reused (AUTOINCREMENT), so a row kept after the mark is always after it.
- **Duplicates answered as such for an hour.** Drained rows stay in the spool for KEEP_SECONDS, so a delivery
  sent again meets its first copy there and is answered "duplicate". One sent again later than that is answered
  "accepted", and the inbox ignores it: it is never handled twice.
- **Order and timing.** Spool rows carry the inbox's own columns, the time of receipt and the end of the settle
  delay included, and are copied in the order they were kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from baton_itsm.core.clock import Clock
from baton_itsm.core.store.inbox_writer import SqliteInboxWriter, begin_immediate, insert_each, sqlite_inbox_rows
from baton_itsm.core.store.location import sqlite_path, sqlite_pragmas
from baton_itsm.core.store.sqlite_rows import sqlite_time
from baton_itsm.core.store.unit_of_work import Store

COLUMNS = "source, event_id, received_at, payload, ticket, claimed_until"
_CREATE = (
    "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, "
    "event_id TEXT NOT NULL, received_at TEXT NOT NULL, payload TEXT NOT NULL, ticket TEXT, claimed_until TEXT, "
    "UNIQUE (source, event_id))",
    "CREATE TABLE IF NOT EXISTS drained (one INTEGER PRIMARY KEY CHECK (one = 1), up_to INTEGER NOT NULL)",
)
_INSERT = f"INSERT INTO spool ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, event_id) DO NOTHING"
_UP_TO = "SELECT coalesce((SELECT up_to FROM drained), 0)"
_MARK = "INSERT INTO drained (one, up_to) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET up_to = excluded.up_to"
DRAIN_ROWS = 2000  # rows moved per transaction: a few milliseconds of the ledger's write lock
KEEP_SECONDS = 3600.0  # how long a drained row stays to answer a repeat "duplicate"
TIDY_EVERY = 60.0  # seconds between the drain's deletes of rows past KEEP_SECONDS and WAL checkpoints of the spool


def spool_path(store: Store) -> Path | None:
    """The spool file of a SQLite store, beside its ledger; None for a server store (PostgreSQL needs none: its
    receiver and workers never wait for one lock)."""
    ledger = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    return None if ledger is None else ledger.with_name(ledger.name + ".spool")


def spooled(store: Store) -> list[tuple[str, int]]:
    """Deliveries kept in the spool and not yet moved into the inbox, by source (for /metrics; read-only, so the
    receiver's process may count them while the workers' process drains)."""
    path = spool_path(store)
    if path is None or not path.exists():
        return []
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        query = f"SELECT source, count(*) FROM spool WHERE id > ({_UP_TO}) GROUP BY source ORDER BY source"
        return [(source, n) for source, n in raw.execute(query)]
    except sqlite3.OperationalError:  # created, its tables not yet: nothing spooled
        return []
    finally:
        raw.close()


def _open(path: Path) -> sqlite3.Connection:
    raw = sqlite3.connect(path, timeout=30, check_same_thread=False)  # waits only while the tables are created
    sqlite_pragmas(raw)
    for statement in _CREATE:
        raw.execute(statement)
    raw.execute("PRAGMA busy_timeout=0")  # from here on, begin_immediate retries every half millisecond
    return raw


class SpoolWriter:
    """The receiver's InboxWriter on SQLite beside a workers' process: one spool connection, used by one thread
    at a time. `wait=False` raises StoreBusy instead of waiting."""

    def __init__(self, store: Store, wait: bool = True):
        path = spool_path(store)
        if path is None:
            raise ValueError("the spool is for a SQLite store")
        self._wait = wait
        self._raw = _open(path)
        self._raw.execute("PRAGMA wal_autocheckpoint=0")  # the drain checkpoints: never an fsync on the event loop

    def write(self, rows: Sequence[tuple[str, str, dict]], now: datetime) -> list[bool]:
        return insert_each(self._raw, _INSERT, sqlite_inbox_rows(rows, now), self._wait)

    def close(self) -> None:
        self._raw.close()


class SpoolDrain:
    """The inbox worker's side: move what the receiver spooled into the inbox, oldest first. Any process that
    runs the inbox worker on SQLite drains, so deliveries left in the spool by a run with the workers in their
    own process are handled by the next run, however it is set up."""

    def __init__(self, store: Store, clock: Clock):
        self._path = spool_path(store)
        ledger = sqlite_path(store.engine.url.render_as_string(hide_password=False))
        self._inbox = SqliteInboxWriter(store, ledger) if self._path is not None else None
        self._raw: sqlite3.Connection | None = None
        self._clock = clock
        self._tidy_due: datetime | None = None

    def drain(self, most: int = DRAIN_ROWS) -> int:
        """Move up to `most` spooled deliveries into the inbox; how many were moved (0 without a spool)."""
        if self._inbox is None or self._path is None:
            return 0
        if self._raw is None:
            if not self._path.exists():
                return 0
            self._raw = _open(self._path)
        up_to = self._raw.execute(_UP_TO).fetchone()[0]
        rows = self._raw.execute(
            f"SELECT id, {COLUMNS} FROM spool WHERE id > ? ORDER BY id LIMIT ?", (up_to, most)
        ).fetchall()
        if rows:
            self._inbox.copy([row[1:] for row in rows])
            _write(self._raw, _MARK, (rows[-1][0],))  # a crash before this copies them again; they are ignored
        self._tidy(self._raw)
        return len(rows)

    def waiting(self) -> int:
        """Deliveries in the spool, not yet in the inbox."""
        if self._raw is None:
            return 0
        return self._raw.execute(f"SELECT count(*) FROM spool WHERE id > ({_UP_TO})").fetchone()[0]

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
        if self._inbox is not None:
            self._inbox.close()

    def _tidy(self, raw: sqlite3.Connection) -> None:
        """Now and then: forget drained rows past KEEP_SECONDS, and keep the spool's WAL short (here rather than in
        one of the receiver's commits, an fsync on its event loop)."""
        now = self._clock.now()
        if self._tidy_due is not None and now < self._tidy_due:
            return
        self._tidy_due = now + timedelta(seconds=TIDY_EVERY)
        before = sqlite_time(now - timedelta(seconds=KEEP_SECONDS))
        _write(raw, f"DELETE FROM spool WHERE id <= ({_UP_TO}) AND received_at < ?", (before,))
        raw.execute("PRAGMA wal_checkpoint(PASSIVE)").close()


def _write(raw: sqlite3.Connection, statement: str, values: tuple) -> None:
    """One statement in a transaction of its own, waiting for the receiver's commit in progress if need be."""
    cursor = raw.cursor()
    try:
        begin_immediate(cursor, wait=True)
        cursor.execute(statement, values)
        cursor.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.rollback()
        raise
    finally:
        cursor.close()
