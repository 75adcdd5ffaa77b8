"""Ticket facts the rules read, as the tool last stated them."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind

FACT_FIELDS = ("subject", "requester", "priority", "category", "status", "url")
RESOLVED_STATUSES = frozenset({"resolved", "closed", "cancelled", "canceled", "done", "rejected"})
ACTIVITY = frozenset({ToolEventKind.CREATED, ToolEventKind.HOLDER_CHANGED, ToolEventKind.UPDATED,
                      ToolEventKind.COMMENTED, ToolEventKind.REOPENED})


@dataclass(frozen=True)
class TicketFacts:
    subject: str | None = None
    requester: str | None = None
    priority: str | None = None
    category: str | None = None
    status: str | None = None
    url: str | None = None
    tool_holder: Holder | None = None  # who the tool shows; differs from the ledger while a push is held
    last_activity_at: datetime | None = None
    unverified: bool = False  # a write of Baton's failed: the tool's holder must be read again

    @property
    def is_resolved(self) -> bool:
        return (self.status or "").strip().lower() in RESOLVED_STATUSES

    def updated_from(self, event: ToolEvent) -> TicketFacts:
        changes = {name: event.fields[name] for name in FACT_FIELDS if event.fields.get(name) is not None}
        if event.new_holder is not None:
            changes["tool_holder"] = event.new_holder
        if event.kind is ToolEventKind.OBSERVED:
            changes["unverified"] = False
        if event.kind in ACTIVITY and (self.last_activity_at is None or event.at >= self.last_activity_at):
            changes["last_activity_at"] = event.at
        if event.kind is ToolEventKind.DELETED and "status" not in changes:
            changes["status"] = "deleted"
        if event.kind is ToolEventKind.RESOLVED and "status" not in changes:
            changes["status"] = "resolved"
        elif event.kind is ToolEventKind.REOPENED and "status" not in changes:
            changes["status"] = "open"
        return replace(self, **changes)
