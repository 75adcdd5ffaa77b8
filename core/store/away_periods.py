"""Away periods set by `baton away` or the API, kept in the store so every `baton run` process reads them; and the
open tickets each person holds, for capacity. Reads inside a unit of work use its transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, or_, select, update

from baton_itsm.core.domain.away import AwayPeriod
from baton_itsm.core.domain.facts import RESOLVED_STATUSES
from baton_itsm.core.errors import BatonError
from baton_itsm.core.store.schema import away_periods, tickets
from baton_itsm.core.store.unit_of_work import CURRENT_CONNECTION, Store


@dataclass(frozen=True)
class StoredAway:
    id: int
    period: AwayPeriod
    set_by: str
    created_at: datetime
    cancelled_at: datetime | None


class AwayPeriods:
    def __init__(self, store: Store):
        self.store = store

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        current = CURRENT_CONNECTION.get()
        if current is not None:
            yield current
            return
        with self.store.engine.connect() as connection:
            yield connection

    def add(self, period: AwayPeriod, set_by: str, now: datetime) -> StoredAway:
        if period.end <= period.start:
            raise BatonError(
                f"an away period must end after it starts ({period.start:%Y-%m-%d %H:%M} to "
                f"{period.end:%Y-%m-%d %H:%M})"
            )
        if period.deputy == period.person:
            raise BatonError(f"{period.person} cannot deputise for themselves")
        with self.store.unit_of_work(now) as uow:
            row_id: int = uow.connection.execute(
                insert(away_periods)
                .values(
                    person=period.person,
                    starts_at=period.start,
                    ends_at=period.end,
                    deputy=period.deputy,
                    note=period.note,
                    set_by=set_by,
                    created_at=now,
                )
                .returning(away_periods.c.id)
            ).scalar_one()
        return StoredAway(row_id, period, set_by, now, None)

    def cancel(self, period_id: int, now: datetime) -> StoredAway:
        with self.store.unit_of_work(now) as uow:
            row = uow.connection.execute(select(away_periods).where(away_periods.c.id == period_id)).first()
            if row is None:
                raise BatonError(f"no away period {period_id} (see `baton away list`)")
            if row.cancelled_at is None:
                uow.connection.execute(
                    update(away_periods).where(away_periods.c.id == period_id).values(cancelled_at=now)
                )
        found = _stored(row)
        return StoredAway(found.id, found.period, found.set_by, found.created_at, row.cancelled_at or now)

    def find(
        self, *, ending_after: datetime | None = None, person: str | None = None, include_cancelled: bool = False
    ) -> list[StoredAway]:
        query = select(away_periods).order_by(away_periods.c.starts_at, away_periods.c.id)
        if ending_after is not None:
            query = query.where(away_periods.c.ends_at > ending_after)
        if person is not None:
            query = query.where(away_periods.c.person == person)
        if not include_cancelled:
            query = query.where(away_periods.c.cancelled_at.is_(None))
        with self._reading() as connection:
            return [_stored(row) for row in connection.execute(query)]

    def periods(self, at: datetime) -> tuple[AwayPeriod, ...]:
        """The live periods not yet over at `at` (running or to come)."""
        return tuple(s.period for s in self.find(ending_after=at))

    def open_tickets_held(self, person: str) -> int:
        """Tickets `person` holds that are neither resolved nor lost to Baton: what capacity counts."""
        query = (
            select(func.count())
            .select_from(tickets)
            .where(
                tickets.c.holder_person == person,
                tickets.c.lost.is_(None),
                or_(tickets.c.status.is_(None), func.lower(tickets.c.status).not_in(sorted(RESOLVED_STATUSES))),
            )
        )
        with self._reading() as connection:
            return connection.execute(query).scalar_one()


def _stored(row) -> StoredAway:
    return StoredAway(
        row.id,
        AwayPeriod(row.person, row.starts_at, row.ends_at, row.deputy, row.note or "", source=f"store:{row.id}"),
        row.set_by,
        row.created_at,
        row.cancelled_at,
    )
