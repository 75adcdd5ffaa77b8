"""SQLite's write-ahead log is copied back into the database (checkpointed) outside the write lock.

By default the commit that takes the WAL past 1,000 pages checkpoints it, an fsync included, while its
connection still holds the Store's write lock. Under a stream of webhook deliveries that stalled the
receiver for about 15 ms once a second (it was the benchmark's p99). So Baton's SQLAlchemy connections
and inbox writers do not checkpoint on commit (PRAGMA wal_autocheckpoint=0, store/database.py and
store/inbox_writer.py), and the Store checkpoints instead, after a unit of work has released the lock,
at most every EVERY seconds. A PASSIVE checkpoint runs beside writers: it never waits for them or
makes them wait, and copies what no reader still needs, as the automatic one does.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

EVERY = 0.5  # seconds between checkpoints at most; the WAL then holds about that much writing


class WalCheckpoints:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._due = 0.0
        self._running = threading.Lock()

    def now_and_then(self) -> None:
        """Checkpoint if EVERY seconds have passed since the last one (and no other thread is at it)."""
        now = time.monotonic()
        if now < self._due or not self._running.acquire(blocking=False):
            return
        try:
            self._due = now + EVERY
            raw = self._engine.raw_connection()  # the driver's: SQLAlchemy would BEGIN IMMEDIATE first
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").close()
            finally:
                raw.close()
        finally:
            self._running.release()
