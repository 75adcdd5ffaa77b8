"""Webhook deliveries of one write, read as one change, as the poll reads it.

Request Tracker's Scrip posts each transaction on its own, so one PUT of Queue and Owner comes as two deliveries:
the Owner change with the ticket still in the old queue, then the Queue change. The poll reads the same two
transactions as one change from the holder before to the holder after (core/domain/writes.py); read one by one,
the deliveries would make the ledger record an in-between holder nobody chose, and Baton could revert to it or
tell the requester the wrong team. So a delivery that may be part of such a write waits (`settle_seconds`,
core/store/settling.py), and is then read with the other pending deliveries of its ticket: grouped by the rule the
poll uses, its write is one event named by the write's first change, with the other changes' ids joined, and the
other deliveries of that write are done with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.domain.writes import writes
from baton_itsm.core.store.inbox_claims import pending_near
from baton_itsm.core.store.settling import SETTLE
from baton_itsm.core.store.unit_of_work import UnitOfWork
from baton_itsm.core.usecases.inbox_payload import tool_event_from_payload


@dataclass(frozen=True)
class _Delivered:
    """One pending delivery of one change, as grouping reads it."""

    delivery_id: str
    event: ToolEvent

    @property
    def kind(self) -> ToolEventKind:
        return self.event.kind

    @property
    def actor(self) -> str | None:
        return self.event.actor

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def part(self) -> str | None:
        """The part of the holder this change moved: "group" or "person"; None for any other change."""
        old, new = self.event.old_holder, self.event.new_holder
        if self.event.kind is not ToolEventKind.HOLDER_CHANGED or old is None or new is None:
            return None
        moved = [part for part in ("group", "person") if getattr(old, part) != getattr(new, part)]
        return moved[0] if len(moved) == 1 else None


def joined(uow: UnitOfWork, row, waiting: list | None = None) -> tuple[list[ToolEvent], list[str]]:
    """The events to handle for the pending delivery `row` (locked), and the delivery ids of the other pending
    deliveries of its write, which are done with it. `waiting`: the pending (id, event_id, payload) rows of its
    ticket, when read already with those of other tickets (`waiting_for`); else they are read here."""
    events = [tool_event_from_payload(p) for p in row.payload["events"]]
    if not row.payload.get(SETTLE) or len(events) != 1:
        return events, []
    if waiting is None:
        ticket = row.payload["events"][0]["ticket"]
        waiting = waiting_for(uow, row.source, [ticket], row.received_at, row.received_at, row.payload[SETTLE]).get(
            ticket, []
        )
    others = [
        _Delivered(event_id, change)
        for row_id, event_id, payload in waiting
        if row_id != row.id and (change := _waiting_change(payload)) is not None
    ]
    own = sorted([_Delivered(row.event_id, events[0]), *others], key=_in_tool_order)
    write = next(w for w in writes(own) if any(own[p].delivery_id == row.event_id for p in w))
    if len(write) == 1:
        return events, []
    parts = [own[p] for p in write]
    return [_one_change([d.event for d in parts])], [d.delivery_id for d in parts if d.delivery_id != row.event_id]


def waiting_for(
    uow: UnitOfWork,
    source: str,
    tickets: list[str],
    earliest: datetime,
    latest: datetime,
    settle_seconds: float,
    besides: Sequence[int] = (),
) -> dict[str, list]:
    """The pending deliveries of these tickets kept within `settle_seconds` of deliveries kept from `earliest` to
    `latest`, by ticket, oldest first: [(id, event_id, payload as stored)], but the deliveries `besides` (the batch's
    own, read already: none of them is of a ticket of another); locked on PostgreSQL (no other process takes them
    meanwhile: a ticket's deliveries are claimed in order, core/usecases/intake.py). One query for many tickets: the
    inbox worker reads a whole batch's at once.

    Only deliveries kept that close can be the rest of a write: the tool posts a write's changes together, and a
    delivery is not handled before its settle delay has passed, so one kept later than that was never awaited.
    Bounded so, the query reads a stretch of the inbox's (status, received_at) index, not a burst's whole backlog."""
    window = timedelta(seconds=float(settle_seconds))
    return pending_near(uow.connection, source, tickets, earliest, latest, window, besides)


def _waiting_change(payload: str | dict) -> ToolEvent | None:
    """The change of a delivery that waits for the rest of its write (one event, a settle delay), else None, from its
    payload as `waiting_for` read it: JSON text (SQLite) or what the driver made of it."""
    return _change_in_text(payload) if isinstance(payload, str) else _change_in(payload)


@lru_cache(maxsize=8192)
def _change_in_text(payload: str) -> ToolEvent | None:
    # Keyed by the payload itself: a burst's delivery is read as a neighbour of each of its ticket's deliveries
    # near it, two or three times, and its JSON decoded each time was the inbox worker's largest single cost.
    return _change_in(json.loads(payload))


def _change_in(payload: dict) -> ToolEvent | None:
    if not payload.get(SETTLE) or len(payload["events"]) != 1:
        return None
    return tool_event_from_payload(payload["events"][0])


def _in_tool_order(delivered: _Delivered):
    """The order the tool made its changes: by time, then by id (RT's transaction ids count up)."""
    event_id = delivered.event.event_id
    return delivered.event.at, len(event_id), event_id


def _one_change(events: list[ToolEvent]) -> ToolEvent:
    """One write's changes (in the tool's order) as one change: from the holder before the first to the holder
    after the last, named by the first, with the ticket as the last left it; what timeline.to_events makes of it."""
    first, last = events[0], events[-1]
    return ToolEvent(
        ticket=first.ticket,
        event_id=first.event_id,
        kind=first.kind,
        at=last.at,
        actor=first.actor,
        old_holder=first.old_holder,
        new_holder=last.new_holder,
        fields=last.fields,
        text=first.text,
        joined_ids=tuple(e.event_id for e in events[1:]),
    )
