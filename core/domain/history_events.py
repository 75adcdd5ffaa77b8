"""Ledger entries of a history import: what the tool's own history said about a ticket as a whole.

An import writes the ticket's holder changes as HolderChanged(cause="import") entries and, last,
one HistorySummary: the facts the metrics need that are not holder changes (when the ticket was
opened and resolved, how often it was reopened, the tool's own reassignment counter, and Baton's
count of the same thing under the tool's definition, which needs the rows where the group was
cleared and therefore cannot be rebuilt from holders). Timestamps are ISO-8601 UTC text, because
this entry keeps them in the ledger row's JSON data.

Stored compactly: a ticket the import creates gets ONE ledger row, the summary's, whose data also holds
its holder changes under MOVES, each as [at, actor, group, person, source_event_id]. One row a ticket
instead of one a move is what lets an import plus a report beat a plain pandas script on the same file
(docs/history.md). The row's version is the summary's (moves + 1), so the logical ledger read back
through `imported_events` is the same, entry for entry and version for version, as one row per move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from baton_itsm.core.domain.events import EVENT_TYPES, HolderChanged, LedgerEvent
from baton_itsm.core.domain.holders import Holder, TicketKey

MOVES = "moves"  # the key of a compact history entry's holder changes in its data
IMPORT_CAUSE = "import"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistorySummary(LedgerEvent):
    """`by` is None; `at` is the ticket's last update in the imported history."""

    source_event_id: str
    opened_at: str | None = None
    resolved_at: str | None = None  # the last time the ticket entered a resolved state
    reopen_count: int | None = None
    tool_reassignments: int | None = None  # the tool's own counter (ServiceNow reassignment_count)
    derived_reassignments: int | None = None  # Baton's count under the tool's definition
    updates: int = 0  # history rows the summary was made from
    mismatch: str | None = None  # when the two counts differ: the kind of step where they parted
    entry_type: ClassVar[str] = "history"


EVENT_TYPES[HistorySummary.entry_type] = HistorySummary


def imported_events(key: TicketKey, at: datetime, data: dict[str, Any]) -> list[LedgerEvent]:
    """A history entry's events, oldest first: its holder changes (from a compact entry), then its summary.

    `at` is the entry's own time (aware UTC), `data` its JSON data. Each move's time is naive UTC text.
    """
    events: list[LedgerEvent] = []
    previous = None
    for moved_at, actor, group, person, source_event_id in data.get(MOVES) or ():
        holder = Holder(group, person)
        events.append(
            HolderChanged(
                ticket=key,
                at=datetime.fromisoformat(moved_at).replace(tzinfo=UTC),
                by=actor,
                from_holder=previous,
                to_holder=holder,
                source_event_id=source_event_id,
                cause=IMPORT_CAUSE,
            )
        )
        previous = holder
    summary = {name: value for name, value in data.items() if name != MOVES}
    events.append(HistorySummary(ticket=key, at=at, by=None, **summary))
    return events
