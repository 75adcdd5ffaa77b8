"""Outbox rows the rules decide: tool actions (channel `tool`) and notices to people (channel `notify`)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.rules.decisions import Outgoing


def _holder(holder: Holder | None) -> dict | None:
    return None if holder is None else {"group": holder.group, "person": holder.person}


def set_holder(ticket: TicketKey, holder: Holder, *, expected: Holder | None, key: str) -> Outgoing:
    return Outgoing(key, "tool", {"instance": ticket.instance, "ticket_id": ticket.ticket_id, "action": "set-holder",
                                  "holder": _holder(holder), "expected_holder": _holder(expected)})


def add_note(ticket: TicketKey, text: str, *, key: str) -> Outgoing:
    """An internal note in the ticket (agents see it; the requester does not)."""
    return Outgoing(key, "tool", {"instance": ticket.instance, "ticket_id": ticket.ticket_id, "action": "add-note",
                                  "text": text})


def notify(template: str, ticket: TicketKey, *, key: str, people: Iterable[str | None] = (),
           groups: Iterable[str] = (), requester: bool = False, **details: Any) -> Outgoing:
    """Tell people something; the notifier plugins choose how (email, ticket reply) and render it."""
    return Outgoing(f"notify:{template}:{key}", "notify", {
        "template": template, "ticket": str(ticket), "to_people": sorted({p for p in people if p}),
        "to_groups": sorted(set(groups)), "to_requester": requester, **details,
    })
