"""The durable record of followed links: a link acts once, even across restarts and several processes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from baton_itsm.core.notify.errors import LinkAlreadyUsed
from baton_itsm.core.notify.tokens import LinkClaim
from baton_itsm.core.store.schema import link_tokens


@dataclass(frozen=True)
class LinkUse:
    action: str
    used_at: datetime


def find_use(connection: Connection, claim: LinkClaim) -> LinkUse | None:
    row = connection.execute(select(link_tokens.c.action, link_tokens.c.used_at)
                             .where(link_tokens.c.token_id == claim.token_id)).first()
    return LinkUse(row.action, row.used_at) if row else None


def use_link(connection: Connection, claim: LinkClaim, action: str, now: datetime) -> None:
    """Record the use inside the caller's transaction; LinkAlreadyUsed when someone got there first.

    Insert-or-nothing on the primary key, so two clicks racing each other cannot both win.
    """
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    inserted = connection.execute(
        dialect.insert(link_tokens).values(token_id=claim.token_id, handoff_id=claim.handoff_id,
                                           receiver=claim.receiver, action=action, used_at=now)
        .on_conflict_do_nothing(index_elements=["token_id"]).returning(link_tokens.c.token_id)).first()
    if inserted is None:
        previous = find_use(connection, claim)
        raise LinkAlreadyUsed(already_used_message(previous))


def already_used_message(use: LinkUse | None) -> str:
    if use is None:
        return "This link was already used. Each link works once."
    done = {"accept": "accept", "decline": "decline"}.get(use.action, use.action)
    return (f"This link was already used to {done} the request, on {use.used_at:%Y-%m-%d at %H:%M} UTC. "
            "Each link works once.")
