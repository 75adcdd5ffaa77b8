"""Outbox rows the rules decide: tool actions (channel `tool`) and notices to people (channel `notify`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.rules.decisions import Outgoing


def _holder(holder: Holder | None) -> dict | None:
    return None if holder is None else {"group": holder.group, "person": holder.person}


def set_holder(
    ticket: TicketKey,
    holder: Holder,
    *,
    expected: Holder | None,
    key: str,
    purpose: str,
    note: str = "",
    handoff_id: str | None = None,
    decided_by: str | None = None,
) -> Outgoing:
    """Make `holder` hold the ticket in the tool. `purpose` (revert, apply) and `decided_by`/`handoff_id` say
    which decision it serves, for the ledger entry and the people told should it fail; `note` is posted in the
    ticket once the write is done, never before and never when it is not made."""
    return Outgoing(
        key,
        "tool",
        {
            "instance": ticket.instance,
            "ticket_id": ticket.ticket_id,
            "action": "set-holder",
            "holder": _holder(holder),
            "expected_holder": _holder(expected),
            "purpose": purpose,
            "note": note,
            "handoff_id": handoff_id,
            "decided_by": decided_by,
        },
    )


def receiver_words(receiver: Holder) -> str:
    """A receiver as a note names it: `the Network queue`, or `carol (Network)`."""
    return f"the {receiver.group} queue" if receiver.person is None else f"{receiver.person} ({receiver.group})"


def add_note(ticket: TicketKey, text: str, *, key: str) -> Outgoing:
    """An internal note in the ticket (agents see it; the requester does not)."""
    return Outgoing(
        key, "tool", {"instance": ticket.instance, "ticket_id": ticket.ticket_id, "action": "add-note", "text": text}
    )


def notify(
    template: str,
    ticket: TicketKey,
    *,
    key: str,
    people: Iterable[str | None] = (),
    groups: Iterable[str] = (),
    requester: bool = False,
    **details: Any,
) -> Outgoing:
    """Tell people something; the notifier plugins choose how (email, ticket reply) and render it."""
    return Outgoing(
        f"notify:{template}:{key}",
        "notify",
        {
            "template": template,
            "ticket": str(ticket),
            "to_people": sorted({p for p in people if p}),
            "to_groups": sorted(set(groups)),
            "to_requester": requester,
            **details,
        },
    )
