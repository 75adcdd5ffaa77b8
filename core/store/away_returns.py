"""Returns from leave (core/away/returns.py): the marker that a period's digest has gone, and the ledger entries of
the tickets that concern a person while they were away."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Row, and_, insert, or_, select

from baton_itsm.core.store.leases import locked
from baton_itsm.core.store.schema import away_returns, ledger_entries, tickets


def mark_return(connection: Connection, period_key: str, person: str, now: datetime) -> bool:
    """Set the period's marker; False, and nothing set, when it was set before. The marker's row is locked
    (PostgreSQL): of two processes marking the same period, the second finds it set once the first commits."""
    query = select(away_returns.c.period_key).where(away_returns.c.period_key == period_key)
    if connection.execute(locked(connection, query)).first() is not None:
        return False
    connection.execute(insert(away_returns).values(period_key=period_key, person=person, sent_at=now))
    return True


def entries_while_away(connection: Connection, person: str, start: datetime, end: datetime) -> Sequence[Row]:
    """The entries from `start` to `end` of each ticket the person holds now or that moved from or to them then,
    by ticket and in ledger order, with the ticket's instance, external id, subject, url and holder."""
    within = and_(ledger_entries.c.at >= start, ledger_entries.c.at < end)
    theirs = select(ledger_entries.c.ticket_id).where(
        within, or_(ledger_entries.c.from_person == person, ledger_entries.c.to_person == person)
    )
    query = (
        select(
            tickets.c.id,
            tickets.c.instance,
            tickets.c.external_id,
            tickets.c.subject,
            tickets.c.url,
            tickets.c.holder_group,
            tickets.c.holder_person,
            ledger_entries.c.entry_type,
            ledger_entries.c.at,
            ledger_entries.c.actor,
            ledger_entries.c.to_group,
            ledger_entries.c.to_person,
            ledger_entries.c.reason,
            ledger_entries.c.data,
        )
        .join(tickets, tickets.c.id == ledger_entries.c.ticket_id)
        .where(within, or_(tickets.c.holder_person == person, ledger_entries.c.ticket_id.in_(theirs)))
        .order_by(ledger_entries.c.ticket_id, ledger_entries.c.seq)
    )
    return connection.execute(query).all()
