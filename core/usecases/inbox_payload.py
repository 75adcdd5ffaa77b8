"""Tool events as an inbox row keeps them (JSON), and back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.store.settling import SETTLE


def tool_event_payload(event: ToolEvent) -> dict:
    holder = lambda h: None if h is None else {"group": h.group, "person": h.person}  # noqa: E731
    payload: dict[str, Any] = {
        "ticket": str(event.ticket),
        "event_id": event.event_id,
        "kind": str(event.kind),
        "at": event.at.isoformat(),
        "actor": event.actor,
        "old_holder": holder(event.old_holder),
        "new_holder": holder(event.new_holder),
        "fields": dict(event.fields),
        "text": event.text,
    }
    if event.joined_ids:
        payload["joined_ids"] = list(event.joined_ids)
    return payload


def delivery_payload(events: Iterable[ToolEvent], settle_seconds: float = 0.0) -> dict:
    """A delivery's events as its inbox row keeps them, with how long it waits for the rest of its write
    (core/store/settling.py) when it may be part of one."""
    payload: dict = {"events": [tool_event_payload(e) for e in events]}
    if settle_seconds:
        payload[SETTLE] = settle_seconds
    return payload


def delivery_ticket(payload: dict) -> str | None:
    """The ticket a delivery is about ("instance:ticket id"): its first event's; kept beside the payload, so the
    inbox finds a ticket's deliveries through an index instead of reading every payload."""
    events = payload.get("events") if isinstance(payload, dict) else None
    return events[0]["ticket"] if events else None


def tool_event_from_payload(payload: dict) -> ToolEvent:
    holder = lambda h: None if h is None else Holder(h["group"], h["person"])  # noqa: E731
    instance, _, ticket_id = payload["ticket"].partition(":")
    return ToolEvent(
        ticket=TicketKey(instance, ticket_id),
        event_id=payload["event_id"],
        kind=ToolEventKind(payload["kind"]),
        at=datetime.fromisoformat(payload["at"]),
        actor=payload["actor"],
        old_holder=holder(payload["old_holder"]),
        new_holder=holder(payload["new_holder"]),
        fields=payload["fields"],
        text=payload["text"],
        joined_ids=tuple(payload.get("joined_ids", ())),
    )
