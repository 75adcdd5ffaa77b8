"""Coalescing requester updates: status changes close together become one message.

The first change opens a `requester-digest` row due `window` later; changes that arrive while it is still
waiting join it. A digest already claimed by a dispatcher is left alone (it is being sent): the next change
opens a new one. The row's key comes from its first change, so replaying that change finds it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from baton_itsm.core.notify.notices import Notice
from baton_itsm.core.store.outbox_queries import open_digest, set_due, set_payload
from baton_itsm.core.store.unit_of_work import UnitOfWork

DIGEST_CHANNEL = "requester-digest"


def coalesce(uow: UnitOfWork, notice: Notice, window: timedelta) -> None:
    change = {"key": notice.key, **notice.details}
    summary = uow.ticket_summary(notice.ticket)
    if summary is not None and _join_open_digest(uow, summary.id, change):
        return
    key = f"digest:{notice.key}"
    if uow.queue_outgoing(
        key, DIGEST_CHANNEL, {"ticket": str(notice.ticket), "changes": [change]}, ticket=notice.ticket
    ):
        # The window runs from the change itself, not from when the router got to it (it may lag).
        opened = _when(notice.details.get("at")) or uow.now
        set_due(uow.connection, key, opened + window)


def _when(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _join_open_digest(uow: UnitOfWork, ticket_row_id: int, change: dict) -> bool:
    row = open_digest(uow.connection, DIGEST_CHANNEL, ticket_row_id, uow.now)  # locked until this commits
    if row is None:
        return False
    changes = list(row.payload.get("changes", []))
    if all(c.get("key") != change["key"] for c in changes):  # a replayed notice joins once
        set_payload(uow.connection, row.id, {**row.payload, "changes": [*changes, change]})
    return True
