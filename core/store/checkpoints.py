"""Durable read positions of the connectors: the poller resumes where it stopped, after any crash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from baton_itsm.core.store.schema import checkpoints
from baton_itsm.core.store.unit_of_work import Store


class Checkpoints:
    def __init__(self, store: Store):
        self.store = store

    def get(self, instance: str, now: datetime) -> str | None:
        with self.store.unit_of_work(now) as uow:
            return uow.connection.execute(
                select(checkpoints.c.value).where(checkpoints.c.instance == instance)
            ).scalar_one_or_none()

    def set(self, instance: str, value: str, now: datetime) -> None:
        with self.store.unit_of_work(now) as uow:
            moved = uow.connection.execute(
                update(checkpoints).where(checkpoints.c.instance == instance).values(value=value, updated_at=now)
            )
            if moved.rowcount == 0:
                uow.connection.execute(checkpoints.insert().values(instance=instance, value=value, updated_at=now))

    def updated_times(self) -> list[tuple[str, datetime]]:
        """When each instance's checkpoint last moved (for the poll-lag metric)."""
        with self.store.engine.connect() as connection:
            rows = connection.execute(select(checkpoints.c.instance, checkpoints.c.updated_at)).all()
        return [(row.instance, row.updated_at) for row in rows]
