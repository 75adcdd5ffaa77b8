"""Coalescing requester updates: status changes close together become one message.

The first change opens a `requester-digest` row due `window` later; changes that arrive while it is still
waiting join it. A digest already claimed by a dispatcher is left alone (it is being sent): the next change
opens a new one. The row's key comes from its first change, so replaying that change finds it again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from baton_itsm.core.notify.notices import Notice
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.store.unit_of_work import UnitOfWork

DIGEST_CHANNEL = "requester-digest"


def coalesce(uow: UnitOfWork, notice: Notice, window: timedelta) -> None:
    change = {"key": notice.key, **notice.details}
    summary = uow.ticket_summary(notice.ticket)
    if summary is not None and _join_open_digest(uow, summary.id, change):
        return
    key = f"digest:{notice.key}"
    if uow.queue_outgoing(key, DIGEST_CHANNEL, {"ticket": str(notice.ticket), "changes": [change]},
                          ticket=notice.ticket):
        # The window runs from the change itself, not from when the router got to it (it may lag).
        opened = _when(notice.details.get("at")) or uow.now
        uow.connection.execute(update(outbox).where(outbox.c.idempotency_key == key)
                               .values(next_attempt_at=opened + window))


def _when(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _join_open_digest(uow: UnitOfWork, ticket_row_id: int, change: dict) -> bool:
    query = (select(outbox.c.id, outbox.c.payload)
             .where(outbox.c.channel == DIGEST_CHANNEL, outbox.c.ticket_id == ticket_row_id,
                    outbox.c.status == "pending",
                    or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < uow.now))
             .order_by(outbox.c.id.desc()).limit(1))
    if uow.connection.dialect.name == "postgresql":
        query = query.with_for_update()  # a dispatcher claiming it meanwhile waits for this transaction
    row = uow.connection.execute(query).first()
    if row is None:
        return False
    changes = list(row.payload.get("changes", []))
    if all(c.get("key") != change["key"] for c in changes):  # a replayed notice joins once
        uow.connection.execute(update(outbox).where(outbox.c.id == row.id)
                               .values(payload={**row.payload, "changes": [*changes, change]}))
    return True
