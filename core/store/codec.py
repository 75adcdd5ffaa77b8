"""Ledger events to rows and back. Common fields get columns; the rest goes in `data`."""

from __future__ import annotations

import dataclasses
from typing import Any

from baton_itsm.core.domain import convergence_events, history_events, review_events, rule_events  # noqa: F401  (register types)
from baton_itsm.core.domain.events import EVENT_TYPES, LedgerEvent
from baton_itsm.core.domain.history_events import MOVES, HistorySummary, imported_events
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind

_COLUMNS = {"at", "by", "handoff_id", "from_holder", "to_holder", "kind", "reason", "ticket"}


def event_to_row(event: LedgerEvent) -> dict[str, Any]:
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    from_holder, to_holder = fields.get("from_holder"), fields.get("to_holder")
    kind = fields.get("kind")
    return {
        "entry_type": event.entry_type,
        "at": event.at,
        "actor": event.by,
        "handoff_id": fields.get("handoff_id"),
        "from_group": from_holder.group if from_holder else None,
        "from_person": from_holder.person if from_holder else None,
        "to_group": to_holder.group if to_holder else None,
        "to_person": to_holder.person if to_holder else None,
        "kind": str(kind) if kind else None,
        "reason": fields.get("reason"),
        "data": {k: v for k, v in fields.items() if k not in _COLUMNS},
    }


def row_to_entries(row: Any, key: TicketKey) -> list[tuple[int, LedgerEvent]]:
    """The row's (version, event) pairs: one, or a compact history entry's moves and summary, numbered up to
    the row's version (history_events.MOVES)."""
    if row.entry_type == HistorySummary.entry_type and (row.data or {}).get(MOVES):
        events = imported_events(key, row.at, row.data)
        first = row.version - len(events) + 1
        return [(first + i, event) for i, event in enumerate(events)]
    return [(row.version, row_to_event(row, key))]


def row_to_event(row: Any, key: TicketKey) -> LedgerEvent:
    """One row's event; a compact history row has several (row_to_entries)."""
    cls = EVENT_TYPES[row.entry_type]
    names = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {"ticket": key, "at": row.at, "by": row.actor, **row.data}
    if "handoff_id" in names:
        values["handoff_id"] = row.handoff_id
    if "from_holder" in names:
        values["from_holder"] = Holder(row.from_group, row.from_person) if row.from_group else None
    if "to_holder" in names:
        values["to_holder"] = Holder(row.to_group, row.to_person) if row.to_group else None
    if "kind" in names:
        values["kind"] = HandoffKind(row.kind)
    if "reason" in names:
        values["reason"] = row.reason or ""
    return cls(**values)
