"""Imported tickets made ready for the database in batches, with no database access: when a file is read in a child
process (core/runtime/in_child), this work is done there, and the writing process only executes the rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from baton_itsm.core.domain.bounces import BounceCounter
from baton_itsm.core.history.imported import ImportedTicket
from baton_itsm.core.history.summary_json import summary_data

BATCH = 1000  # tickets per executemany and per message from a reading child: ~0.7 MB, within its pipe (in_child)


@dataclass
class Batch:
    """The rows of the new tickets of a batch, the tickets the ledger holds already, and what the outcome counts
    of them."""

    new: list[str] = field(default_factory=list)  # their external ids
    ticket_rows: list[tuple] = field(default_factory=list)  # the tickets row, less id and instance
    entry_rows: list[tuple] = field(default_factory=list)  # (version, at, data) of each one's compact entry
    entries: int = 0  # the entries a reader sees in them: each move, each summary
    known: list[ImportedTicket] = field(default_factory=list)
    compared: int = 0
    agreeing: int = 0
    mismatches: Counter = field(default_factory=Counter)


def prepare_batch(
    tickets: list[ImportedTicket],
    *,
    existing: dict[str, tuple[int, int]],
    timestamp: Callable[[str], str],
    owner_of: Callable[[Sequence[tuple[str, str | None]]], str | None],
    intake_groups: frozenset[str],
    now: str,
) -> Batch:
    """`tickets` as a Batch: those in `existing` (external id: (row id, version)) as known, the others as the row
    of a new ticket and its one compact entry. `timestamp` spells a time as the database's column value."""
    batch = Batch()
    for ticket in tickets:
        if ticket.tool_reassignments is not None:
            batch.compared += 1
            batch.agreeing += ticket.tool_reassignments == ticket.derived_reassignments
            if ticket.mismatch:
                batch.mismatches[ticket.mismatch] += 1
        if ticket.ticket_id in existing:
            batch.known.append(ticket)
            continue
        steps = ticket.steps
        holders = [(group, person) for _, _, group, person, _ in steps]
        counter = BounceCounter(intake_groups)
        for group, person in holders:
            counter.step(group, person)
        last: tuple[str | None, str | None] = holders[-1] if holders else (None, None)
        batch.new.append(ticket.ticket_id)
        batch.ticket_rows.append(
            (
                ticket.ticket_id,
                last[0],
                last[1],
                owner_of(holders),
                len(steps) + 1,
                counter.bounces,
                timestamp(steps[0][0]) if steps else None,
                timestamp(steps[-1][0]) if steps else None,
                now,
                ticket.requester,
                ticket.priority,
                ticket.category,
                ticket.status,
                ticket.tool_group,
                ticket.tool_person,
                timestamp(ticket.last_activity_at),
                ticket.subject,
                ticket.url,
            )
        )
        # One compact entry: the moves inside, at the summary's version (core/domain/history_events).
        batch.entry_rows.append((len(steps) + 1, timestamp(ticket.last_activity_at), summary_data(ticket, True)))
        batch.entries += len(steps) + 1
    return batch
