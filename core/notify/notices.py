"""A notice as the rules decided it (an outbox row on channel `notify`), and the people it is for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baton_itsm.core.domain.holders import TicketKey

TEMPLATES = frozenset(
    {
        "handoff-request",
        "acceptance-reminder",
        "request-expired",
        "handoff-declined",
        "status-update",
        "stale-reminder",
        "stale-escalation",
        "report-back",
        "handoff-review",
        "handoff-audit",
        "escalation-review",
        "handoff-withdrawn",
        "action-failed",
        "bounce-escalation",
        "sla-reminder",
        "sla-escalation",
    }
)
ADDRESSING = ("template", "ticket", "to_people", "to_groups", "to_requester")


@dataclass(frozen=True)
class Notice:
    key: str  # the outbox row's idempotency key: stable, so everything derived from it is too
    template: str
    ticket: TicketKey
    to_people: tuple[str, ...] = ()
    to_groups: tuple[str, ...] = ()
    to_requester: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)  # what the template says: reason, holder, owner...

    @classmethod
    def from_row(cls, key: str, payload: Mapping[str, Any]) -> Notice:
        template = payload.get("template")
        if template not in TEMPLATES:
            raise ValueError(f"notice {key}: unknown template {template!r}")
        return cls(
            key=key,
            template=template,
            ticket=TicketKey.parse(payload["ticket"]),
            to_people=tuple(payload.get("to_people") or ()),
            to_groups=tuple(payload.get("to_groups") or ()),
            to_requester=bool(payload.get("to_requester")),
            details={k: v for k, v in payload.items() if k not in ADDRESSING},
        )

    @property
    def for_staff(self) -> bool:
        return bool(self.to_people or self.to_groups)


@dataclass(frozen=True)
class Recipient:
    """Someone a message goes to. `person` is a configured name (staff); a requester has none."""

    name: str | None
    email: str | None
    person: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.person or self.email or "requester"
