"""What the engine decides: ledger entries to write, things to send, timers to start or stop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baton_itsm.core.domain.events import LedgerEvent


@dataclass(frozen=True)
class Outgoing:
    """An outbox row: a tool action (channel `tool`) or a notification (channel `email`, ...).

    Tool action payloads: {"instance", "ticket_id", "action": "set-holder", "holder": {"group", "person"},
    "expected_holder": {...} | None} | {"action": "add-note" | "reply", "text"}.
    """

    idempotency_key: str
    channel: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class TimerRequest:
    key: str
    kind: str
    due_at: datetime
    handoff_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Decisions:
    events: list[LedgerEvent] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)
    timers: list[TimerRequest] = field(default_factory=list)
    cancel_timers: list[str] = field(default_factory=list)

    def extend(self, other: Decisions) -> Decisions:
        self.events += other.events
        self.outgoing += other.outgoing
        self.timers += other.timers
        self.cancel_timers += other.cancel_timers
        return self
