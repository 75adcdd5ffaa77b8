"""Ledger entries of a history import: what the tool's own history said about a ticket as a whole.

An import writes the ticket's holder changes as HolderChanged(cause="import") entries and, last,
one HistorySummary: the facts the metrics need that are not holder changes (when the ticket was
opened and resolved, how often it was reopened, the tool's own reassignment counter, and Baton's
count of the same thing under the tool's definition, which needs the rows where the group was
cleared and therefore cannot be rebuilt from holders). Timestamps are ISO-8601 UTC text, because
this entry keeps them in the ledger row's JSON data.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from baton_itsm.core.domain.events import EVENT_TYPES, LedgerEvent


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
