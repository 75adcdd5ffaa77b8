"""Followed accept/decline links (core/notify/link_uses.py): a link's use is recorded once, on its primary key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, select

from baton_itsm.core.store.dialects import insert_or_nothing
from baton_itsm.core.store.schema import link_tokens


def find_use(connection: Connection, token_id: str) -> Row | None:
    """(action, used_at) of the link's use, None when it was never used."""
    return connection.execute(
        select(link_tokens.c.action, link_tokens.c.used_at).where(link_tokens.c.token_id == token_id)
    ).first()


def record_use(
    connection: Connection, token_id: str, handoff_id: str, receiver: str, action: str, now: datetime
) -> bool:
    """Insert-or-nothing on the primary key, so two clicks racing each other cannot both win: False when the link
    was used before."""
    inserted = connection.execute(
        insert_or_nothing(connection.dialect.name, link_tokens, ["token_id"])
        .values(token_id=token_id, handoff_id=handoff_id, receiver=receiver, action=action, used_at=now)
        .returning(link_tokens.c.token_id)
    ).first()
    return inserted is not None
