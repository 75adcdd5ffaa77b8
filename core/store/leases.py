"""Claiming rows under a lease, and the row locks that go with it: PostgreSQL's branch written once.

Work queues (the inbox, the outbox, the timers) are shared by every process. On PostgreSQL a claim reads with
`FOR UPDATE SKIP LOCKED`, so two processes claiming at once take different rows instead of waiting for each
other; on SQLite the write lock a unit of work takes at BEGIN (store/database.py) already serialises claims, and
the statement is left as it is. A claimed row gets `claimed_until`: a process that dies leaves it to be claimed
again when that time has passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, or_, update

Keep = Callable[[Sequence[Row]], Sequence[Row]]


def postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def locked(connection: Connection, query: Select) -> Select:
    """`query` locking what it reads until commit (PostgreSQL): another writer of those rows waits for this one."""
    return query.with_for_update() if postgresql(connection) else query


def skip_locked(connection: Connection, query: Select, of: Sequence[Any] | None = None) -> Select:
    """`query` locking what it reads and passing over rows another transaction holds (PostgreSQL); `of`: lock only
    the rows of these tables."""
    if not postgresql(connection):
        return query
    return query.with_for_update(skip_locked=True, of=of) if of else query.with_for_update(skip_locked=True)


def unclaimed(table: Table, now: datetime):
    """Rows never claimed, or whose claim has run out."""
    return or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)


def claim_under_lease(
    connection: Connection, table: Table, query: Select, now: datetime, lease: timedelta, keep: Keep | None = None
) -> Sequence[Row]:
    """Read the rows `query` selects (it selects the table's `id` first), skipping rows another process holds,
    keep those `keep` keeps (all by default), and claim them until `now + lease`: the rows claimed."""
    rows = connection.execute(skip_locked(connection, query)).all()
    if keep is not None:
        rows = keep(rows)
    if rows:
        connection.execute(
            update(table).where(table.c.id.in_([row[0] for row in rows])).values(claimed_until=now + lease)
        )
    return rows
