"""The API takes a new handoff only on a ticket it can reach: one of a configured instance that the ledger
knows or the tool shows to Baton's account (tickets `local:ID` when no tool is configured)."""
from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import select

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.errors import ToolError, ToolNotFound
from baton_itsm.core.store.schema import tickets


def require_instance(app, key: TicketKey) -> None:
    """404 for a ticket of an instance the deployment does not configure."""
    known = sorted(app.config.connectors) or ["local"]
    if key.instance not in known:
        raise HTTPException(404, f"no tool instance {key.instance!r} in this deployment (known: {', '.join(known)})")


def require_reachable(app, key: TicketKey) -> None:
    """404 unless the ticket is in a configured instance and Baton knows it or can read it there; 503 when the
    tool cannot be asked now."""
    require_instance(app, key)
    if key.instance not in app.config.connectors or _in_ledger(app, key):
        return
    try:
        app.connectors[key.instance].read_ticket(key.ticket_id)
    except ToolNotFound:
        raise HTTPException(404, f"{key.instance} has no ticket {key.ticket_id} that Baton's account can see") from None
    except ToolError as error:
        raise HTTPException(503, f"could not reach {key.instance} to find ticket {key.ticket_id}: {error}",
                            headers={"Retry-After": "60"}) from None


def _in_ledger(app, key: TicketKey) -> bool:
    query = select(tickets.c.id).where(tickets.c.instance == key.instance, tickets.c.external_id == key.ticket_id)
    with app.store.engine.connect() as connection:
        return connection.execute(query).first() is not None
