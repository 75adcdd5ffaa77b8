"""The inbox worker's statements: claiming pending deliveries in ticket order, reading them locked, counting a
failed attempt, and marking a round's deliveries done (core/usecases/intake.py, core/usecases/intake_batches.py,
core/usecases/joined_deliveries.py say why each is so)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, Text, func, select, tuple_, type_coerce, update

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.store.inbox_queries import DELIVERY_TICKET
from baton_itsm.core.store.leases import claim_under_lease, locked, unclaimed
from baton_itsm.core.store.schema import inbox, tickets


def claim_pending(connection: Connection, now: datetime, lease: timedelta, limit: int) -> dict[int, str | None]:
    """Claim up to `limit` pending deliveries, oldest first, that no earlier pending delivery of their ticket
    precedes: {inbox row id: its ticket}."""
    query = (
        select(inbox.c.id, DELIVERY_TICKET)
        .where(inbox.c.status == "pending", unclaimed(inbox, now))
        .order_by(inbox.c.id)
        .limit(limit)
    )

    def in_ticket_order(rows: Sequence[Row]) -> Sequence[Row]:
        keep = _in_ticket_order(connection, dict(rows))
        return [row for row in rows if row[0] in keep]

    return dict(claim_under_lease(connection, inbox, query, now, lease, keep=in_ticket_order))


def _in_ticket_order(connection: Connection, candidates: dict[int, str | None]) -> dict[int, str | None]:
    """Of these pending deliveries ({id: ticket}, oldest first), those that no earlier pending delivery of their
    ticket outside them precedes. Handled out of the order they were kept, a push would be seen before the take
    it followed; so a ticket's later delivery waits while another process holds an earlier one, or while an
    earlier one waits to be tried again. The check reads committed rows: an earlier delivery that another
    process is handling counts as pending until that process commits."""
    wanted = {ticket for ticket in candidates.values() if ticket is not None}
    if not wanted:
        return candidates
    blocked_from: dict[str, int] = dict(
        connection.execute(
            select(DELIVERY_TICKET, func.min(inbox.c.id))
            .where(
                inbox.c.status == "pending",
                inbox.c.id <= max(candidates),
                inbox.c.id.not_in(list(candidates)),
                DELIVERY_TICKET.in_(wanted),
            )
            .group_by(DELIVERY_TICKET)
        ).all()
    )
    return {i: ticket for i, ticket in candidates.items() if ticket not in blocked_from or i < blocked_from[ticket]}


def pending_delivery(connection: Connection, row_id: int) -> Row | None:
    """The delivery if it is still pending, locked (PostgreSQL): of two processes holding it, the second waits for
    the first to commit and then finds it done."""
    return connection.execute(
        locked(connection, select(inbox).where(inbox.c.id == row_id, inbox.c.status == "pending"))
    ).first()


def pending_deliveries(connection: Connection, row_ids: list[int]) -> Sequence[Row]:
    """Those of these deliveries still pending, oldest first, locked (a process whose lease ran out may hold them)."""
    query = select(inbox).where(inbox.c.id.in_(row_ids), inbox.c.status == "pending").order_by(inbox.c.id)
    return connection.execute(locked(connection, query)).all()


def pending_attempts(connection: Connection, row_id: int) -> Row | None:
    """(attempts, source, ticket) of a delivery still pending, locked; None when it is pending no more."""
    query = select(inbox.c.attempts, inbox.c.source, DELIVERY_TICKET.label("ticket")).where(
        inbox.c.id == row_id, inbox.c.status == "pending"
    )
    return connection.execute(locked(connection, query)).first()


def record_attempt(
    connection: Connection, row_id: int, attempts: int, message: str, retry_at: datetime, status: str
) -> None:
    connection.execute(
        update(inbox)
        .where(inbox.c.id == row_id)
        .values(attempts=attempts, last_error=message, claimed_until=retry_at, status=status)
    )


def mark_done(connection: Connection, row_ids: list[int], now: datetime) -> None:
    """Mark these deliveries (inbox row ids) done in one statement."""
    connection.execute(
        update(inbox)
        .where(inbox.c.id.in_(row_ids))
        .values(status="done", processed_at=now, attempts=inbox.c.attempts + 1)
    )


def kept_event_ids(connection: Connection, source: str, event_ids: Sequence[str]) -> list[str]:
    """Those of these event ids the inbox keeps for `source` (as a delivery or as taken)."""
    query = select(inbox.c.event_id).where(inbox.c.source == source, inbox.c.event_id.in_(list(event_ids)))
    return list(connection.execute(query).scalars())


def ticket_rows(connection: Connection, keys: Iterable[TicketKey]) -> dict[int, TicketKey]:
    """The row ids of these tickets the ledger knows, locked on PostgreSQL in id order (as every process locks
    them, so two transactions never wait for each other in a circle)."""
    query = (
        select(tickets.c.id, tickets.c.instance, tickets.c.external_id)
        .where(tuple_(tickets.c.instance, tickets.c.external_id).in_([(k.instance, k.ticket_id) for k in keys]))
        .order_by(tickets.c.id)
    )
    return {row.id: TicketKey(row.instance, row.external_id) for row in connection.execute(locked(connection, query))}


def pending_near(
    connection: Connection,
    source: str,
    tickets_of: list[str],
    earliest: datetime,
    latest: datetime,
    window: timedelta,
    besides: Sequence[int] = (),
) -> dict[str, list]:
    """The pending deliveries of these tickets kept from `earliest - window` to `latest + window`, but those of the
    ids `besides` (read already), by ticket, oldest first: [(id, event_id, payload as stored: JSON text, or what the
    driver made of it)]; locked on PostgreSQL. Reads a stretch of the (status, received_at) index."""
    conditions = [
        inbox.c.status == "pending",
        inbox.c.received_at >= earliest - window,
        inbox.c.received_at <= latest + window,
        inbox.c.source == source,
        DELIVERY_TICKET.in_(tickets_of),
    ]
    if besides:
        conditions.append(inbox.c.id.not_in(list(besides)))
    # The payload as the driver gives it (text on SQLite): the caller reads it through a cache, since a delivery is
    # read here again for each delivery of its ticket near it (core/usecases/joined_deliveries.py).
    payload = type_coerce(inbox.c.payload, Text).label("payload")
    query = (
        select(inbox.c.id, inbox.c.event_id, payload, DELIVERY_TICKET.label("ticket"))
        .where(*conditions)
        .order_by(inbox.c.id)
    )
    found: dict[str, list] = {}
    for row in connection.execute(locked(connection, query)).all():
        found.setdefault(row.ticket, []).append((row.id, row.event_id, row.payload))
    return found
