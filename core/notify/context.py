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
    return {"key": str(key), "instance": key.instance, "id": key.ticket_id, "subject": facts.subject or "",
            "url": facts.url or "", "priority": facts.priority or "", "status": facts.status or ""}


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
        return {"ticket": ticket_context(self.ticket, self.facts), "notice": dict(details),
                "recipient": {"name": self.recipient.name or "", "email": self.recipient.email or "",
                              "person": self.recipient.person or ""},
                "name": self.name, "links": None, **extra}

    def status(self, changes: Sequence[Mapping[str, Any]], eta: Eta | None) -> dict[str, Any]:
        """The requester's view: the latest change decides what is said; earlier ones are listed."""
        latest = changes[-1]
        model = OwnershipModel(latest.get("ownership_model") or OwnershipModel.FOLLOWS)
        owner = latest.get("owner") or ""
        holder = holder_context(latest.get("holder"), self.name)
        return self.build(latest, status={
            "holder": holder, "previous": holder_context(latest.get("previous_holder"), self.name),
            "owner": owner, "owner_name": self.name(owner) if owner else "",
            # Under desk and tco the owner stays while others work the ticket: the requester should know
            # their contact has not changed even though somebody else is on it now.
            "owner_stays": model.describes_custodians and bool(owner)
            and (holder is None or holder["person"] != owner),
            "model": str(model), "pending": latest.get("pending") or "",
            "eta": None if eta is None else {"at": eta.at.isoformat(), "source": eta.source},
            "first": not changes[0].get("previous_holder"),  # this message is the requester's first news
            "changes": [{"at": c.get("at", ""), "holder": holder_context(c.get("holder"), self.name)}
                        for c in changes],
        })
