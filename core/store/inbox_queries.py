"""Reads and the one hand-made change of the inbox, for `baton inbox`: list deliveries, put a parked one back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.engine import Connection

from baton_itsm.core.store.schema import inbox

# A delivery is about one ticket: its first event's, kept in its own column (inbox_payload.delivery_ticket).
DELIVERY_TICKET = inbox.c.ticket
# An event a webhook delivery brought is also kept under its own id, so that the same change coming by poll (or
# the other half of a write, core/usecases/joined_deliveries.py) is not taken again (core/usecases/intake.py). Such a
# row is a marker: not a delivery, never handled on its own, not counted as taken in nor as inbox depth.
TAKEN = "taken"
DELIVERIES = inbox.c.status != TAKEN


@dataclass(frozen=True)
class InboxRow:
    id: int
    source: str
    delivery_id: str
    ticket: str | None
    status: str
    attempts: int
    received_at: datetime
    last_error: str | None


def _columns() -> Select:
    """InboxRow's fields, by name."""
    return select(
        inbox.c.id,
        inbox.c.source,
        inbox.c.event_id.label("delivery_id"),
        DELIVERY_TICKET,
        inbox.c.status,
        inbox.c.attempts,
        inbox.c.received_at,
        inbox.c.last_error,
    )


def list_deliveries(connection: Connection, status: str | None, limit: int) -> list[InboxRow]:
    """The newest deliveries first, in one status or all."""
    query = _columns().where(DELIVERIES).order_by(inbox.c.id.desc()).limit(limit)
    if status:
        query = query.where(inbox.c.status == status)
    return [InboxRow(**row._mapping) for row in connection.execute(query).all()]


def put_back(connection: Connection, row_id: int) -> InboxRow | None:
    """Make a parked delivery pending again, with a fresh count of attempts; None when no such parked row."""
    moved = connection.execute(
        update(inbox)
        .where(inbox.c.id == row_id, inbox.c.status == "parked")
        .values(status="pending", attempts=0, claimed_until=None)
    )
    return _one(connection, row_id) if moved.rowcount else None


def _one(connection: Connection, row_id: int) -> InboxRow:
    return InboxRow(**connection.execute(_columns().where(inbox.c.id == row_id)).one()._mapping)


def handled_since(connection: Connection, row: InboxRow) -> int:
    """How many later deliveries of the same ticket were handled while this one was parked."""
    if row.ticket is None:
        return 0
    return connection.execute(
        select(func.count())
        .select_from(inbox)
        .where(inbox.c.id > row.id, inbox.c.status == "done", inbox.c.ticket == row.ticket)
    ).scalar_one()
