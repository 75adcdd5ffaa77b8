"""The scheduler's statements: which timers are due, and taking them (core/usecases/scheduler.py says why so)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Row, delete, select

from baton_itsm.core.store.leases import skip_locked
from baton_itsm.core.store.schema import tickets, timers


def due_timer_ids(connection: Connection, now: datetime, limit: int) -> list[int]:
    query = select(timers.c.id).where(timers.c.due_at <= now).order_by(timers.c.due_at).limit(limit)
    return list(connection.execute(query).scalars())


def take_due(connection: Connection, now: datetime, limit: int) -> Sequence[Row]:
    """Up to `limit` due timers, soonest first, with their ticket's instance and external id, deleted in this
    transaction (a timer that fails is set again by the caller). On PostgreSQL the timer's and its ticket's rows are
    locked, and a timer whose ticket another transaction holds is skipped: it fires at the next tick."""
    query = (
        select(timers, tickets.c.instance, tickets.c.external_id)
        .join(tickets, tickets.c.id == timers.c.ticket_id)
        .where(timers.c.due_at <= now)
        .order_by(timers.c.due_at)
        .limit(limit)
    )
    rows = connection.execute(skip_locked(connection, query, of=(timers, tickets))).all()
    if rows:
        connection.execute(delete(timers).where(timers.c.id.in_([r.id for r in rows])))
    return rows
