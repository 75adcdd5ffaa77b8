"""The outbox's statements: the dispatcher's claim, begin, finish and pauses (core/usecases/dispatcher.py), the rows
of a lane and of a destination (core/usecases/dispatch_lanes.py), and `baton outbox list` / `retry`.

A lane here is anything with `channels`, `instance` and `other_than` (core/outbox_lanes.Lane)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, or_, select, update

from baton_itsm.core.store.leases import claim_under_lease, locked, skip_locked, unclaimed
from baton_itsm.core.store.schema import outbox

TOOL = "tool"  # the channel of tool actions, whose payload names the instance (core/usecases/dispatch_lanes.py)
# What the dispatcher reads of a row: OutboxItem's fields, by name (core/usecases/dispatcher.py).
ITEM_COLUMNS = (
    outbox.c.id,
    outbox.c.idempotency_key,
    outbox.c.channel,
    outbox.c.payload,
    outbox.c.attempts,
    outbox.c.created_at,
)


def tool_instance() -> ColumnElement:
    """The instance a `tool` row is for, read from its JSON payload (SQLite and PostgreSQL alike)."""
    return outbox.c.payload["instance"].as_string()


def in_lane(lane: Any) -> ColumnElement:
    condition: ColumnElement[bool] = outbox.c.channel.in_(sorted(lane.channels))
    if lane.instance is not None:
        condition = and_(condition, tool_instance() == lane.instance)
    if lane.other_than is not None:
        condition = and_(
            condition,
            or_(outbox.c.channel != TOOL, tool_instance().is_(None), tool_instance().not_in(sorted(lane.other_than))),
        )
    return condition


def same_destination(channel: str, instance: str | None) -> ColumnElement:
    """The rows going where a row of `channel` (and tool `instance`) goes: they wait together when it is paused."""
    if channel == TOOL:
        return and_(outbox.c.channel == TOOL, tool_instance() == instance) if instance else outbox.c.channel == TOOL
    return outbox.c.channel == channel


def interrupted(connection: Connection, now: datetime, channels: Iterable[str], lane: Any) -> Sequence[Row]:
    """Rows left `sending` whose claim ran out, of these channels in `lane`; skipping rows another process holds."""
    query = select(*ITEM_COLUMNS).where(
        outbox.c.status == "sending", outbox.c.claimed_until < now, outbox.c.channel.in_(list(channels)), in_lane(lane)
    )
    return connection.execute(skip_locked(connection, query)).all()


def settle_interrupted(connection: Connection, row_id: int, status: str, error: str) -> None:
    connection.execute(
        update(outbox).where(outbox.c.id == row_id).values(status=status, claimed_until=None, last_error=error)
    )


def claim_due(
    connection: Connection, now: datetime, lease: timedelta, channels: list[str], lane: Any, limit: int
) -> Sequence[Row]:
    """Claim up to `limit` due pending rows of these channels in `lane`. Among rows due at the same time, the one
    tried most goes first: after a pause it is the one that meets the destination's answer, and its growing
    back-off paces the others."""
    query = (
        select(*ITEM_COLUMNS)
        .where(
            outbox.c.status == "pending",
            outbox.c.next_attempt_at <= now,
            outbox.c.channel.in_(channels),
            in_lane(lane),
            unclaimed(outbox, now),
        )
        .order_by(outbox.c.next_attempt_at, outbox.c.attempts.desc(), outbox.c.id)
        .limit(limit)
    )
    return claim_under_lease(connection, outbox, query, now, lease)


def begin_sending(connection: Connection, row_id: int, attempts: int, now: datetime, lease: timedelta) -> bool:
    """Mark a row `sending`; False when it is no longer pending or no longer due."""
    began = connection.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
        .values(status="sending", attempts=attempts, claimed_until=now + lease)
    )
    return began.rowcount == 1


def postpone(connection: Connection, row_id: int, until: datetime) -> None:
    """A pending row waits, unclaimed, until `until`."""
    connection.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.status == "pending")
        .values(next_attempt_at=until, claimed_until=None)
    )


def postpone_destination(
    connection: Connection, except_id: int, channel: str, instance: str | None, until: datetime
) -> None:
    """The other pending rows of a destination due before `until` wait, unclaimed, until then."""
    connection.execute(
        update(outbox)
        .where(
            outbox.c.status == "pending",
            outbox.c.id != except_id,
            outbox.c.next_attempt_at < until,
            same_destination(channel, instance),
        )
        .values(next_attempt_at=until, claimed_until=None)
    )


def finish(connection: Connection, row_id: int, **values: Any) -> None:
    """Record how a `sending` row ended (sent, failed, pending again) and free its claim."""
    connection.execute(
        update(outbox)
        .where(and_(outbox.c.id == row_id, outbox.c.status == "sending"))
        .values(claimed_until=None, **values)
    )


def newest(connection: Connection, status: str | None, limit: int) -> Sequence[Row]:
    """The newest rows, in one status or all (`baton outbox list`)."""
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if status:
        query = query.where(outbox.c.status == status)
    return connection.execute(query).all()


def send_again(connection: Connection, key: str, now: datetime) -> bool:
    """Put a failed or uncertain row back to pending, due now; False when there is no such row."""
    moved = connection.execute(
        update(outbox)
        .where(outbox.c.idempotency_key == key, outbox.c.status.in_(["failed", "uncertain"]))
        .values(status="pending", next_attempt_at=now, claimed_until=None)
    )
    return moved.rowcount != 0


def set_due(connection: Connection, key: str, due_at: datetime) -> None:
    """When the row with this key is next due (a digest's window, core/notify/digest.py)."""
    connection.execute(update(outbox).where(outbox.c.idempotency_key == key).values(next_attempt_at=due_at))


def open_digest(connection: Connection, channel: str, ticket_row_id: int, now: datetime) -> Row | None:
    """The newest pending, unclaimed row of `channel` for this ticket, locked (a dispatcher claiming it meanwhile
    waits for this transaction): (id, payload)."""
    query = (
        select(outbox.c.id, outbox.c.payload)
        .where(
            outbox.c.channel == channel,
            outbox.c.ticket_id == ticket_row_id,
            outbox.c.status == "pending",
            unclaimed(outbox, now),
        )
        .order_by(outbox.c.id.desc())
        .limit(1)
    )
    return connection.execute(locked(connection, query)).first()


def set_payload(connection: Connection, row_id: int, payload: dict) -> None:
    connection.execute(update(outbox).where(outbox.c.id == row_id).values(payload=payload))
