"""What a message template can say: the ticket, the notice, the recipient, links, and for requesters who
owns the ticket now, which group works it, what is pending and when to expect an answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.ownership import OwnershipModel
from baton_itsm.core.notify.eta import Eta
from baton_itsm.core.notify.notices import Recipient
from baton_itsm.core.rules.facts import TicketFacts


def ticket_context(key: TicketKey, facts: TicketFacts) -> dict[str, Any]:
    return {
        "key": str(key),
        "instance": key.instance,
        "id": key.ticket_id,
        "subject": facts.subject or "",
        "url": facts.url or "",
        "priority": facts.priority or "",
        "status": facts.status or "",
    }


def holder_context(text: str | None, name: Callable[[str | None], str]) -> dict[str, str] | None:
    """'Network/carol' -> group Network, person carol with her display name; None for no holder."""
    if not text:
        return None
    holder = Holder.parse(text)
    return {"text": str(holder), "group": holder.group, "person": holder.person or "", "name": name(holder.person)}


@dataclass(frozen=True)
class MessageContext:
    ticket: TicketKey
    facts: TicketFacts
    recipient: Recipient
    name: Callable[[str | None], str]  # a configured person's display name

    def build(self, details: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "ticket": ticket_context(self.ticket, self.facts),
            "notice": dict(details),
            "recipient": {
                "name": self.recipient.name or "",
                "email": self.recipient.email or "",
                "person": self.recipient.person or "",
            },
            "name": self.name,
            "links": None,
            **extra,
        }

    def status(self, changes: Sequence[Mapping[str, Any]], eta: Eta | None) -> dict[str, Any]:
        """The requester's view: the latest change decides what is said; earlier ones are listed.

        Besides the holder and owner, it says in plain words who the requester's contact is (`contact.role`:
        `owner` who works it too, `owner_stays` while someone else works it, `worker` when nobody owns it but
        someone works it, `team` when nobody does yet) and what is pending, so no two lines contradict.
        """
        latest = changes[-1]
        model = OwnershipModel(latest.get("ownership_model") or OwnershipModel.FOLLOWS)
        owner = latest.get("owner") or ""
        holder = holder_context(latest.get("holder"), self.name)
        person = holder["person"] if holder else ""
        # What the requester knew before these changes: the owner before the first of them (older notices
        # do not say; then the owner is not called new).
        known_before = changes[0].get("previous_owner") if "previous_owner" in changes[0] else owner
        return self.build(
            latest,
            status={
                "holder": holder,
                "previous": holder_context(latest.get("previous_holder"), self.name),
                "team": holder["group"] if holder else "",
                "person_name": holder["name"] if holder and person else "",
                "owner": owner,
                "owner_name": self.name(owner) if owner else "",
                "owner_new": bool(owner) and owner != (known_before or ""),
                # The owner stays the contact while someone else (or the queue) works the ticket: under desk and
                # tco by definition, under follows once the ticket left the desk (the last desk agent keeps it).
                "owner_stays": bool(owner) and person != owner,
                "contact": _contact(owner, person, holder, self.name),
                "model": str(model),
                "pending": _pending(latest, holder, self.name),
                "eta": None if eta is None else {"at": eta.at.isoformat(), "source": eta.source},
                "first": not changes[0].get("previous_holder"),  # this message is the requester's first news
                "changes": [
                    {"at": c.get("at", ""), "holder": holder_context(c.get("holder"), self.name)} for c in changes
                ],
            },
        )


def _contact(
    owner: str, person: str, holder: Mapping[str, str] | None, name: Callable[[str | None], str]
) -> dict[str, str]:
    """Who the requester deals with, and why: `role` is owner, owner_stays, worker or team."""
    if owner:
        return {"name": name(owner), "role": "owner" if person == owner else "owner_stays"}
    if person and holder:
        return {"name": holder["name"], "role": "worker"}
    return {"name": f"the {holder['group']} team" if holder else "the service desk", "role": "team"}


def _pending(change: Mapping[str, Any], holder: Mapping[str, str] | None, name: Callable[[str | None], str]) -> str:
    """What the ticket waits for, in the requester's words; "" when nothing (someone is working on it)."""
    if change.get("pending_to"):
        receiver = Holder.parse(change["pending_to"])
        if receiver.person:
            return f"waiting for {name(receiver.person)} ({receiver.group}) to accept your ticket"
        return f"waiting for the {receiver.group} team to accept your ticket"
    if change.get("pending"):  # notices queued before `pending_to` existed
        return str(change["pending"])
    if holder is not None and not holder["person"]:
        return f"waiting for someone in the {holder['group']} team to take it on"
    return ""
