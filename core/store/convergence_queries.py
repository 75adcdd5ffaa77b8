"""The store's reads for convergence: which tickets to look at in the tool again, and Baton's writes under way."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from baton_itsm.core.domain.facts import RESOLVED_STATUSES
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.store.schema import outbox, tickets
from baton_itsm.core.store.unit_of_work import UnitOfWork

HOLDER_WRITES = ("revert:%", "apply:%")  # outbox keys of set-holder actions (core/rules/engine, consequences)
UNDER_WAY = ("pending", "sending")


def _holder_writes_of(ticket_row):
    return and_(
        outbox.c.channel == "tool",
        outbox.c.ticket_id == ticket_row,
        or_(*(outbox.c.idempotency_key.like(p) for p in HOLDER_WRITES)),
    )


def awaiting_holder_write(uow: UnitOfWork, key: TicketKey) -> bool:
    """Whether a holder write Baton decided for the ticket is still to be done (the tool may lag the ledger)."""
    row_id = uow.ticket_row_id(key)
    if row_id is None:
        return False
    query = select(exists().where(_holder_writes_of(row_id), outbox.c.status.in_(UNDER_WAY)))
    return bool(uow.connection.execute(query).scalar())


def holder_writes_under_way(uow: UnitOfWork, instance: str, ticket_ids: list[str]) -> set[str]:
    """Which of `ticket_ids` have a holder write of Baton's still to be done (awaiting_holder_write, for many)."""
    if not ticket_ids:
        return set()
    query = (
        select(tickets.c.external_id)
        .join(outbox, outbox.c.ticket_id == tickets.c.id)
        .where(
            tickets.c.instance == instance,
            tickets.c.external_id.in_(ticket_ids),
            outbox.c.channel == "tool",
            or_(*(outbox.c.idempotency_key.like(p) for p in HOLDER_WRITES)),
            outbox.c.status.in_(UNDER_WAY),
        )
        .distinct()
    )
    return set(uow.connection.execute(query).scalars())


def newer_holder_write(uow: UnitOfWork, key: TicketKey, outbox_id: int) -> bool:
    """Whether a later holder write for the ticket was decided after row `outbox_id`: that one supersedes it."""
    row_id = uow.ticket_row_id(key)
    if row_id is None:
        return False
    query = select(exists().where(_holder_writes_of(row_id), outbox.c.id > outbox_id, outbox.c.status != "failed"))
    return bool(uow.connection.execute(query).scalar())


def tickets_to_look_at(uow: UnitOfWork, instance: str, *, sweep: bool = False, limit: int = 10_000) -> list[str]:
    """Tickets of `instance` whose state in the tool Baton must read again: a write of its failed, or a request is
    open (the ticket may have been deleted or hidden meanwhile); with `sweep`, every ticket not resolved. Lost
    tickets are left alone."""
    wanted = [tickets.c.unverified != false(), tickets.c.open_handoff.is_not(None)]
    if sweep:
        wanted.append(or_(tickets.c.status.is_(None), tickets.c.status.not_in(sorted(RESOLVED_STATUSES))))
    query = (
        select(tickets.c.external_id)
        .where(tickets.c.instance == instance, tickets.c.lost.is_(None), or_(*wanted))
        .order_by(tickets.c.id)
        .limit(limit)
    )
    return list(uow.connection.execute(query).scalars())
