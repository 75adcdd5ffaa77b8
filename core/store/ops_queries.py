"""Reads for the operator's pages: the counts /metrics exports (core/web/ops.py) and what the health page says of
the store and of destinations retrying (core/web/health.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, text

from baton_itsm.core.store.inbox_queries import DELIVERIES
from baton_itsm.core.store.outbox_queries import tool_instance
from baton_itsm.core.store.schema import inbox, ledger_entries, outbox, timers


@dataclass(frozen=True)
class Counts:
    events: Sequence[tuple[str, str, int]]  # (source, status, count) of inbox deliveries
    decisions: Sequence[tuple[str, int]]  # (entry type, count) of ledger entries
    # (channel, status, retrying, count): retrying is a pending row tried before
    outbox: Sequence[tuple[str, str, bool, int]]
    due: int  # timers due at `now`
    waiting: int  # every live timer


def counts(connection: Connection, now: datetime) -> Counts:
    events = connection.execute(
        select(inbox.c.source, inbox.c.status, func.count()).where(DELIVERIES).group_by(inbox.c.source, inbox.c.status)
    ).all()
    decisions = connection.execute(
        select(ledger_entries.c.entry_type, func.count()).group_by(ledger_entries.c.entry_type)
    ).all()
    retrying = (outbox.c.status == "pending") & (outbox.c.attempts > 0)
    rows = connection.execute(
        select(outbox.c.channel, outbox.c.status, retrying.label("retrying"), func.count()).group_by(
            outbox.c.channel, outbox.c.status, "retrying"
        )
    ).all()
    due = connection.execute(select(func.count()).select_from(timers).where(timers.c.due_at <= now)).scalar_one()
    waiting = connection.execute(select(func.count()).select_from(timers)).scalar_one()
    return Counts(events, decisions, rows, due, waiting)


def ping(connection: Connection) -> None:
    """Ask the database the smallest question; raises when it does not answer."""
    connection.execute(text("select 1"))


def retried_rows(connection: Connection, limit: int) -> Sequence[tuple[str, str | None, str | None]]:
    """The newest pending rows already tried: (channel, instance of a tool row, last error)."""
    return connection.execute(
        select(outbox.c.channel, tool_instance().label("instance"), outbox.c.last_error)
        .where(outbox.c.status == "pending", outbox.c.attempts > 0)
        .order_by(outbox.c.id.desc())
        .limit(limit)
    ).all()
