"""The receiver's spool: where `baton run` keeps webhook deliveries on SQLite while its workers run in a
process of their own.

SQLite lets one connection write a file at a time. With the workers in their own process (the second core),
every acknowledgement waited behind the inbox worker's transactions: the receiver kept 671 deliveries a second
where it kept 1,575 sharing a process with them (benchmarks/webhooks.py). So the receiver writes another file,
the spool beside the ledger (`ledger.db.spool`), which nothing else writes but for a moment now and then, and
the inbox worker moves what it finds there into the inbox before each claim (`SpoolDrain`).

- **Nothing lost, nothing twice.** A delivery is answered 2xx once it is committed in the spool. The worker
  copies spooled rows into the inbox (insert-or-ignore on source and delivery id, one transaction) and deletes
  them from the spool only after that commit: a crash in between copies them again, and the copies are
  ignored. Inbox rows are never deleted, so that holds however late the copy comes.
- **Duplicates still answered as such.** Before keeping a delivery the receiver looks it up in the inbox (a
  read: on a WAL file it never waits for the writer), then keeps it in the spool unless it is there; a delivery
  sent again after it moved on is answered "duplicate" as before.
- **Order and timing.** Spool rows carry the inbox's own columns, the time of receipt and the end of the settle
  delay included, and are copied in the order they were kept.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from baton_itsm.core.store.inbox_writer import SqliteInboxWriter, StoreBusy, begin_immediate, sqlite_inbox_rows
from baton_itsm.core.store.location import sqlite_path, sqlite_pragmas
from baton_itsm.core.store.unit_of_work import Store

COLUMNS = "source, event_id, received_at, payload, ticket, claimed_until"
_CREATE = (
    "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY, source TEXT NOT NULL, event_id TEXT NOT NULL, "
    "received_at TEXT NOT NULL, payload TEXT NOT NULL, ticket TEXT, claimed_until TEXT, UNIQUE (source, event_id))"
)
_INSERT = f"INSERT INTO spool ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, event_id) DO NOTHING"
DRAIN_ROWS = 2000  # rows moved per transaction: a few milliseconds of the ledger's write lock
CHECKPOINT_EVERY = 5.0  # seconds between the drain's WAL checkpoints of the spool (the receiver never checkpoints)


def spool_path(store: Store) -> Path | None:
    """The spool file of a SQLite store, beside its ledger; None for a server store (PostgreSQL needs none: its
    receiver and workers never wait for one lock)."""
    ledger = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    return None if ledger is None else ledger.with_name(ledger.name + ".spool")


def _open(path: Path) -> sqlite3.Connection:
    raw = sqlite3.connect(path, timeout=30, check_same_thread=False)  # waits only while the table is created
    sqlite_pragmas(raw)
    raw.execute(_CREATE)
    raw.execute("PRAGMA busy_timeout=0")  # from here on, begin_immediate retries every half millisecond
    return raw


class SpoolWriter:
    """The receiver's InboxWriter on SQLite beside a workers' process: one spool connection and one read-only
    look at the inbox, used by one thread at a time. `wait=False` raises StoreBusy instead of waiting."""

    def __init__(self, store: Store, wait: bool = True):
        path, ledger = spool_path(store), sqlite_path(store.engine.url.render_as_string(hide_password=False))
        if path is None or ledger is None:
            raise ValueError("the spool is for a SQLite store")
        self._wait = wait
        self._raw = _open(path)
        self._raw.execute("PRAGMA wal_autocheckpoint=0")  # the drain checkpoints: never an fsync on the event loop
        self._inbox = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=0, check_same_thread=False)
        self._inbox.isolation_level = None

    def write(self, rows: Sequence[tuple[str, str, dict]], now: datetime) -> list[bool]:
        values = sqlite_inbox_rows(rows, now)
        in_inbox = self._in_inbox([row[:2] for row in values])
        moved_on = [row[:2] in in_inbox for row in values]
        cursor = self._raw.cursor()
        try:
            begin_immediate(cursor, self._wait)
            kept = []
            for row, known in zip(values, moved_on, strict=True):
                if not known:
                    cursor.execute(_INSERT, row)
                kept.append(not known and cursor.rowcount == 1)
            cursor.execute("COMMIT")
        except BaseException as error:
            if self._raw.in_transaction:
                self._raw.rollback()
            if not self._wait and isinstance(error, sqlite3.OperationalError):  # the drain is deleting
                raise StoreBusy(str(error)) from None
            raise
        finally:
            cursor.close()
        return kept

    def _in_inbox(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (source, delivery id) the inbox holds: a query per 1,000 (SQLite takes 32,766 values)."""
        found: set[tuple[str, str]] = set()
        for source in {source for source, _ in keys}:
            ids = [delivery for each, delivery in keys if each == source]
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]  # `source = ? AND event_id IN (...)` is an index lookup each
                marks = ", ".join("?" * len(chunk))
                query = f"SELECT source, event_id FROM inbox WHERE source = ? AND event_id IN ({marks})"
                found.update(self._inbox.execute(query, [source, *chunk]).fetchall())
        return found

    def close(self) -> None:
        self._raw.close()
        self._inbox.close()


class SpoolDrain:
    """The inbox worker's side: move what the receiver spooled into the inbox, oldest first. Any process that
    runs the inbox worker on SQLite drains, so deliveries left in the spool by a run with the workers in their
    own process are handled by the next run, however it is set up."""

    def __init__(self, store: Store):
        self._path = spool_path(store)
        ledger = sqlite_path(store.engine.url.render_as_string(hide_password=False))
        self._inbox = SqliteInboxWriter(store, ledger) if self._path is not None else None
        self._raw: sqlite3.Connection | None = None
        self._checkpoint_due = 0.0

    def drain(self, most: int = DRAIN_ROWS) -> int:
        """Move up to `most` spooled deliveries into the inbox; how many were moved (0 without a spool)."""
        if self._inbox is None or self._path is None:
            return 0
        if self._raw is None:
            if not self._path.exists():
                return 0
            self._raw = _open(self._path)
        rows = self._raw.execute(f"SELECT id, {COLUMNS} FROM spool ORDER BY id LIMIT ?", (most,)).fetchall()
        if not rows:
            return 0
        self._inbox.copy([row[1:] for row in rows])
        cursor = self._raw.cursor()
        try:
            begin_immediate(cursor, wait=True)
            # Every row kept after the SELECT has a larger id: SQLite gives a new row the largest id plus one.
            cursor.execute("DELETE FROM spool WHERE id <= ?", (rows[-1][0],))
            cursor.execute("COMMIT")
        except BaseException:
            if self._raw.in_transaction:
                self._raw.rollback()
            raise  # the rows are in the inbox; the next drain copies them again, and the copies are ignored
        finally:
            cursor.close()
        self._checkpoint()
        return len(rows)

    def waiting(self) -> int:
        """Deliveries in the spool, not yet in the inbox."""
        if self._raw is None:
            return 0
        return self._raw.execute("SELECT count(*) FROM spool").fetchone()[0]

    def _checkpoint(self) -> None:
        """Keep the spool's WAL short, here rather than in one of the receiver's commits (an fsync on its loop)."""
        now = time.monotonic()
        if self._raw is not None and now >= self._checkpoint_due:
            self._checkpoint_due = now + CHECKPOINT_EVERY
            self._raw.execute("PRAGMA wal_checkpoint(PASSIVE)").close()

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
        if self._inbox is not None:
            self._inbox.close()
