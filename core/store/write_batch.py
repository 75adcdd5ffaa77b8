"""The writes a unit of work holds back while it handles a batch, sent at the end as a few executemany statements.

The scheduler and the inbox worker handle many tickets in one transaction (UnitOfWork.batched). Written one by one,
each ticket's projection update, outbox row and timer cost a statement; held here, the batch's writes of each kind
go out together (on SQLite through the driver, as SQLAlchemy would store them: store/sqlite_rows.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, update
from sqlalchemy.exc import IntegrityError

from baton_itsm.core.store.dialects import insert_or_nothing
from baton_itsm.core.store.errors import ConcurrentChange
from baton_itsm.core.store.schema import inbox, ledger_entries, outbox, tickets, timers
from baton_itsm.core.store.sqlite_rows import insert_rows, update_rows


@dataclass
class WriteBatch:
    # Tool events kept as taken (core/usecases/intake.py, `_first_sight`): those looked up at the batch's start,
    # the ones kept already or queued here, and the rows queued.
    looked_up: set[tuple[str, str]] = field(default_factory=set)
    kept: set[tuple[str, str]] = field(default_factory=set)
    taken: list[dict] = field(default_factory=list)
    ledger: list[dict] = field(default_factory=list)
    projections: dict[int, dict] = field(default_factory=dict)  # by ticket row id
    outbox: list[dict] = field(default_factory=list)
    timers: dict[str, dict | None] = field(default_factory=dict)  # None: cancelled
    facts: dict[int, dict] = field(default_factory=dict)  # by ticket row id

    def take(self, row: dict) -> bool:
        """Queue an inbox row of a looked-up event id; False when that id is kept already (then nothing is queued)."""
        key = (row["source"], row["event_id"])
        if key in self.kept:
            return False
        self.kept.add(key)
        self.taken.append(row)
        return True

    def flush(self, connection: Connection) -> None:
        """In order: the taken events' inbox rows (refused as a ConcurrentChange when another writer kept one of
        them after it was looked up: the batch decided on that event as new), the ledger rows (refused so if another
        writer got there first), the tickets' rows (projection and facts, one statement per set of columns), the
        outbox rows (a repeated idempotency key dropped without telling), then the timers (each cancelled or
        started anew)."""
        sqlite = connection.dialect.name == "sqlite"
        if self.taken and _insert(connection, inbox, self.taken, ("source", "event_id")) < len(self.taken):
            raise ConcurrentChange("an event of this batch was kept by another writer meanwhile; tried again")
        if self.ledger:
            try:
                _insert(connection, ledger_entries, self.ledger)
            except IntegrityError:
                raise ConcurrentChange("a ticket changed while this batch ran; it will be tried again") from None
        for row_id, facts in self.facts.items():
            self.projections.setdefault(row_id, {}).update(facts)
        by_columns: dict[tuple, list[dict]] = {}
        for row_id, projection in self.projections.items():
            by_columns.setdefault(tuple(sorted(projection)), []).append({"id": row_id, **projection})
        for columns, rows in by_columns.items():
            if sqlite:
                update_rows(connection, tickets, "id", rows)
                continue
            values: dict[str, Any] = {c: bindparam(c) for c in columns}
            statement = update(tickets).where(tickets.c.id == bindparam("_id")).values(values)
            connection.execute(statement, _renamed_id(rows))
        _insert(connection, outbox, self.outbox, ("idempotency_key",))
        if self.timers:
            connection.execute(delete(timers).where(timers.c.timer_key.in_(list(self.timers))))
            _insert(connection, timers, [{"timer_key": k, **v} for k, v in self.timers.items() if v is not None])


def _insert(connection: Connection, table: Table, rows: list[dict], conflict: tuple[str, ...] = ()) -> int:
    """Insert the rows (skipping those whose `conflict` columns are taken); how many were inserted. On SQLite through
    the driver (store/sqlite_rows.py); on a server through SQLAlchemy, counting with RETURNING where rows may be
    skipped."""
    if not rows:
        return 0
    if connection.dialect.name == "sqlite":
        return insert_rows(connection, table, rows, conflict)
    if not conflict:
        connection.execute(insert(table), rows)
        return len(rows)
    statement = insert_or_nothing(connection.dialect.name, table, list(conflict))
    return len(connection.execute(statement.returning(table.c.id), rows).all())


def _renamed_id(rows: list[dict]) -> list[dict]:
    """Rows keyed by "id" as an UPDATE's bound parameters, which may not share a column's name."""
    return [{"_id" if name == "id" else name: value for name, value in row.items()} for row in rows]
