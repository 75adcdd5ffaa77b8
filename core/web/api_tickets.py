"""The API's answer for a ticket Baton cannot reach (core/usecases/ticket_reach.py): 404, or 503 while the tool is
silent."""

from __future__ import annotations

from fastapi import HTTPException

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.usecases import ticket_reach


def require_instance(app, key: TicketKey) -> None:
    _answered(ticket_reach.require_instance, app, key)


def require_reachable(app, key: TicketKey) -> None:
    _answered(ticket_reach.require_reachable, app, key)


def _answered(check, app, key: TicketKey) -> None:
    try:
        check(app, key)
    except ticket_reach.TicketUnreachable as error:
        headers = {"Retry-After": "60"} if error.status == 503 else None
        raise HTTPException(error.status, str(error), headers=headers) from None
