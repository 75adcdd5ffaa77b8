"""The durable record of followed links: a link acts once, even across restarts and several processes (its rows:
core/store/link_tokens.py). `connection` is the unit of work's (`uow.connection`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from baton_itsm.core.notify.link_errors import LinkAlreadyUsed
from baton_itsm.core.notify.tokens import LinkClaim
from baton_itsm.core.store import link_tokens


@dataclass(frozen=True)
class LinkUse:
    action: str
    used_at: datetime


def find_use(connection, claim: LinkClaim) -> LinkUse | None:
    row = link_tokens.find_use(connection, claim.token_id)
    return LinkUse(row.action, row.used_at) if row else None


def use_link(connection, claim: LinkClaim, action: str, now: datetime) -> None:
    """Record the use inside the caller's transaction; LinkAlreadyUsed when someone got there first.

    Insert-or-nothing on the primary key, so two clicks racing each other cannot both win.
    """
    if not link_tokens.record_use(connection, claim.token_id, claim.handoff_id, claim.receiver, action, now):
        previous = find_use(connection, claim)
        raise LinkAlreadyUsed(already_used_message(previous))


def already_used_message(use: LinkUse | None) -> str:
    if use is None:
        return "This link was already used. Each link works once."
    done = {"accept": "accept", "decline": "decline"}.get(use.action, use.action)
    return (
        f"This link was already used to {done} the request, on {use.used_at:%Y-%m-%d at %H:%M} UTC. "
        "Each link works once."
    )
