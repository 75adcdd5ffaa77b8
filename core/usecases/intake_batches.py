"""Handling claimed webhook deliveries many to a transaction, as the inbox worker does during a burst.

Handled one by one, a delivery cost a dozen statements and a commit of its own, and the worker fell behind the
receiver as soon as a tool sent a mass update (a bulk reassignment, a major incident). Here the deliveries one
claim took are handled in rounds, each round one transaction: the round's tickets and ledgers are read in two
queries (`UnitOfWork.preload`), whether its events were kept before (by the poll, in `mode: both`) in one, what
the rules decide and each event's first sight are written in a few statements at its end (`UnitOfWork.batched`),
and its deliveries are marked done in one.

A round holds at most one delivery per ticket, the oldest: a ticket's next delivery is in the next round and
sees everything the round before committed, exactly as when handled one by one, so the decisions are the same
and a ticket's deliveries keep their order. The rounds of one claim run in order.

If anything in a round fails, its transaction rolls back whole (nothing of it is kept, no delivery is done) and
its deliveries, and the ones after them, are handled one by one (`Intake.process`), which records each
failure on its own delivery, tries it again later and parks it in the end; a broken delivery never holds back
the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.store.inbox_claims import mark_done, pending_deliveries, ticket_rows
from baton_itsm.core.store.settling import SETTLE
from baton_itsm.core.store.unit_of_work import Store, UnitOfWork
from baton_itsm.core.usecases.joined_deliveries import joined, waiting_for

log = logging.getLogger(__name__)


def rounds_of(claimed: dict[int, str | None]) -> list[list[int]]:
    """Claimed deliveries ({id: ticket}, oldest first) as rounds: the n-th round holds each ticket's n-th delivery,
    oldest first. A delivery without a ticket (none is expected: every event names one) makes a round of its own."""
    by_position: list[list[int]] = []
    alone: list[list[int]] = []
    seen: dict[str, int] = {}
    for row_id, ticket in claimed.items():
        if ticket is None:
            alone.append([row_id])
            continue
        position = seen[ticket] = seen.get(ticket, -1) + 1
        if position == len(by_position):
            by_position.append([])
        by_position[position].append(row_id)
    return by_position + alone


def handle_round(
    store: Store,
    now: datetime,
    row_ids: list[int],
    handle: Callable[[UnitOfWork, ToolEvent], list[str]],
    first_sight: Callable[[UnitOfWork, str, ToolEvent], bool],
) -> tuple[int, int, list[str]]:
    """Handle these deliveries (one per ticket) in one transaction: (deliveries done, duplicate events, entry
    types written). Raises, with nothing kept, when any of them fails."""
    done, duplicates, entries = 0, 0, []
    with store.unit_of_work(now) as uow:
        rows = pending_deliveries(uow.connection, row_ids)  # locked: see Intake.process
        if not rows:
            return 0, 0, []
        finished: list[int] = []
        with uow.batched():
            _preload(uow, rows)
            waiting = _waiting(uow, rows)
            read = []
            for row in rows:
                ticket = row.payload["events"][0]["ticket"] if row.payload["events"] else None
                neighbours = waiting.get((row.source, ticket), [])
                events, joined_deliveries = joined(uow, row, neighbours)
                id_of = {event_id: row_id for row_id, event_id, _ in neighbours}
                read.append((row, events, [row.id, *(id_of[d] for d in joined_deliveries)]))
            _look_up_events(uow, read)
            for row, events, deliveries in read:
                for event in events:
                    if event.event_id != row.event_id and not first_sight(uow, row.source, event):
                        duplicates += 1
                        continue
                    entries += handle(uow, event)
                finished += deliveries
                done += len(deliveries)
        mark_done(uow.connection, finished, now)
    return done, duplicates, entries


def _preload(uow: UnitOfWork, rows) -> None:
    """Read the round's tickets and ledgers at once; on PostgreSQL their rows are locked (in id order, as every
    process locks them, so two rounds never wait for each other in a circle) until the round commits."""
    keys = {TicketKey(*event["ticket"].split(":", 1)) for row in rows for event in row.payload["events"]}
    if not keys:
        return
    uow.preload(ticket_rows(uow.connection, keys))


def _look_up_events(uow: UnitOfWork, read: list[tuple]) -> None:
    """Read at once which of the round's events are kept under their own ids already, so keeping each one's
    first sight is written with the round's other rows (UnitOfWork.look_up_incoming)."""
    by_source: dict[str, list[str]] = {}
    for row, events, _ in read:
        by_source.setdefault(row.source, []).extend(e.event_id for e in events if e.event_id != row.event_id)
    for source, event_ids in by_source.items():
        uow.look_up_incoming(source, event_ids)


def _waiting(uow: UnitOfWork, rows) -> dict[tuple[str, str | None], list]:
    """The pending deliveries of the tickets whose deliveries wait for the rest of their write, read at once."""
    settling = [row for row in rows if row.payload.get(SETTLE) and len(row.payload["events"]) == 1]
    found: dict[tuple[str, str | None], list] = {}  # looked up with None too: a delivery of no ticket
    for source in {row.source for row in settling}:
        ours = [row for row in settling if row.source == source]
        tickets = sorted({row.payload["events"][0]["ticket"] for row in ours})
        for ticket, waiting in waiting_for(
            uow,
            source,
            tickets,
            min(r.received_at for r in ours),
            max(r.received_at for r in ours),
            max(float(r.payload[SETTLE]) for r in ours),
            besides=[r.id for r in ours],
        ).items():
            found[(source, ticket)] = waiting
    return found
