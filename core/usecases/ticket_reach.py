"""A new handoff only on a ticket Baton can reach: one of a configured instance that the ledger knows or the tool
shows to Baton's account (tickets `local:ID` when no tool is configured). The API and the CLI both ask here."""

from __future__ import annotations

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.errors import BatonError, ToolError, ToolNotFound
from baton_itsm.core.store.ticket_queries import known


class TicketUnreachable(BatonError):
    """Not a ticket Baton can act on: `status` 404 (no such instance or ticket) or 503 (the tool did not answer)."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.status = status


def require_instance(app, key: TicketKey) -> None:
    known = sorted(app.config.connectors) or ["local"]
    if key.instance not in known:
        raise TicketUnreachable(f"no tool instance {key.instance!r} in this deployment (known: {', '.join(known)})")


def require_reachable(app, key: TicketKey) -> None:
    require_instance(app, key)
    if key.instance not in app.config.connectors or _in_ledger(app, key):
        return  # a ticket the ledger knows is not read again
    try:
        app.connectors[key.instance].read_ticket(key.ticket_id)
    except ToolNotFound:
        raise TicketUnreachable(f"{key.instance} has no ticket {key.ticket_id} that Baton's account can see") from None
    except ToolError as error:
        raise TicketUnreachable(
            f"could not reach {key.instance} to find ticket {key.ticket_id}: {error}", status=503
        ) from None


def _in_ledger(app, key: TicketKey) -> bool:
    with app.store.engine.connect() as connection:
        return known(connection, key)
