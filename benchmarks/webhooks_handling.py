"""How soon `baton run` handled the burst of benchmarks/webhooks.py, read from its SQLite store."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from webhooks_wrk import WrkResult


@dataclass
class Handling:
    """What the inbox worker did with the burst, read from the store once every delivery was done (or time ran
    out): times are the store's own (received_at when kept, processed_at when its decisions were committed)."""

    kept: int
    handled: int
    ledger_entries: int
    outbox_rows: int
    first_received: float  # seconds after wrk started
    last_done: float  # seconds after wrk started: when the last delivery's decisions were committed
    last_waited: float  # the last delivery kept: seconds from its receipt to its decisions committed
    longest_wait: float  # the longest any delivery waited

    @property
    def rate(self) -> float:
        return self.handled / max(self.last_done - self.first_received, 1e-9)


def wait_handled(db: Path, expected: int, burst: WrkResult, patience: float) -> Handling:
    """Poll the store (read-only) until every kept delivery is done, or `patience` seconds after the burst. A
    delivery still in the receiver's spool (core/store/inbox_spool.py, beside the ledger) is kept, not done."""
    deadline = time.time() + patience
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as connection:
        while time.time() < deadline:
            pending = connection.execute("SELECT count(*) FROM inbox WHERE status NOT IN ('done', 'taken')").fetchone()[
                0
            ]
            if pending == 0 and _spooled(db) == 0:
                break
            time.sleep(0.05)
        return _handling(connection, burst)


def _spooled(db: Path) -> int:
    spool = db.with_name(db.name + ".spool")
    if not spool.exists():
        return 0
    with sqlite3.connect(f"file:{spool}?mode=ro", uri=True, timeout=30) as connection:
        waiting = "SELECT count(*) FROM spool WHERE id > coalesce((SELECT up_to FROM drained), 0)"
        return connection.execute(waiting).fetchone()[0]


def _handling(connection, burst: WrkResult) -> Handling:
    def epoch(text: str | None) -> float:
        return 0.0 if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()

    kept, handled, first, last_done = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'done'), min(received_at), max(processed_at) "
        "FROM inbox WHERE source = 'rt' AND status != 'taken'"
    ).fetchone()
    last = connection.execute(
        "SELECT received_at, processed_at FROM inbox WHERE source = 'rt' AND status != 'taken' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    longest = (
        connection.execute(
            "SELECT max(julianday(processed_at) - julianday(received_at)) * 86400 FROM inbox "
            "WHERE source = 'rt' AND status = 'done'"
        ).fetchone()[0]
        or 0.0
    )
    entries = connection.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
    outbox_rows = connection.execute("SELECT count(*) FROM outbox").fetchone()[0]
    last_waited = epoch(last[1]) - epoch(last[0]) if last and last[1] else float("inf")
    return Handling(
        kept,
        handled,
        entries,
        outbox_rows,
        epoch(first) - burst.started,
        epoch(last_done) - burst.started if handled == kept else float("inf"),
        last_waited,
        longest,
    )
