"""The inbox worker's rows written through SQLite's driver (core/store/sqlite_rows.py) are stored byte for byte as
SQLAlchemy stores them, so everything reading the ledger (the ORM, the bulk reports, `baton ledger`) reads them
back the same. Each table the worker writes, with the values that convert: times in other zones, times without
microseconds, no time at all, JSON with nested values and None, booleans."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, update

from baton_itsm.core.store.schema import inbox, ledger_entries, outbox, tickets, timers
from baton_itsm.core.store.sqlite_rows import insert_rows, update_rows

PARIS = timezone(timedelta(hours=1))
AT = datetime(2026, 12, 6, 21, 30, 15, 123456, tzinfo=UTC)
ON_THE_SECOND = datetime(2026, 3, 29, 1, 59, 59, tzinfo=PARIS)


def ticket_rows(row_id: int) -> dict:
    return {"id": row_id, "instance": "rt", "external_id": str(row_id), "version": 0, "bounces": 0, "created_at": AT}


def ledger_row(ticket_id: int) -> dict:
    return {
        "ticket_id": ticket_id,
        "version": 1,
        "entry_type": "holder-changed",
        "at": ON_THE_SECOND,
        "actor": "bob",
        "handoff_id": None,
        "from_group": "Service Desk",
        "from_person": "alice",
        "to_group": "Network",
        "to_person": None,
        "kind": None,
        "reason": 'é, \u2603 and a quote "',
        "data": {"cause": "first-seen", "fields": {"priority": None, "tags": ["a", 1, 2.5, True]}},
        "recorded_at": AT,
    }


def outbox_row(ticket_id: int) -> dict:
    return {
        "idempotency_key": f"revert:rt:{ticket_id}",
        "channel": "tool",
        "ticket_id": ticket_id,
        "payload": {"action": "revert", "to": {"group": "Service Desk", "person": None}},
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": AT.astimezone(PARIS),
        "created_at": AT,
    }


def timer_row(ticket_id: int) -> dict:
    return {
        "timer_key": f"stale:rt:{ticket_id}",
        "ticket_id": ticket_id,
        "kind": "stale",
        "handoff_id": "h1",
        "due_at": ON_THE_SECOND,
        "payload": {},
        "claimed_until": None,
    }


def taken_row(event_id: str) -> dict:
    return {
        "source": "rt",
        "event_id": event_id,
        "received_at": AT,
        "payload": {"events": [{"ticket": "rt:1", "at": "2026-12-06T21:30:15+00:00"}]},
        "ticket": "rt:1",
        "status": "taken",
        "attempts": 1,
        "processed_at": AT,
        "claimed_until": None,
    }


def stored(path, table) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT * FROM {table.name} ORDER BY 1").fetchall()


@pytest.fixture
def two(tmp_path):
    """Two migrated SQLite stores: one written by SQLAlchemy, one through the driver."""
    from tests.conftest import _migrated_store

    made = []
    for name in ("orm", "driver"):
        generator = _migrated_store(f"sqlite:///{tmp_path / name}.db")
        made.append((next(generator), tmp_path / f"{name}.db", generator))
    yield made
    for _, _, generator in made:
        generator.close()


def test_each_table_the_inbox_worker_writes_is_stored_as_sqlalchemy_stores_it(two):
    (orm, orm_path, _), (driver, driver_path, _) = two
    tables = [
        (tickets, [ticket_rows(1), ticket_rows(2)]),
        (ledger_entries, [ledger_row(1), ledger_row(2)]),
        (outbox, [outbox_row(1), outbox_row(2)]),
        (timers, [timer_row(1), timer_row(2)]),
        (inbox, [taken_row("e1"), taken_row("e2")]),
    ]
    with orm.engine.begin() as connection:
        for table, rows in tables:
            connection.execute(insert(table), rows)
    with driver.engine.begin() as connection:
        for table, rows in tables:
            assert insert_rows(connection, table, rows) == len(rows)

    for table, _ in tables:
        assert stored(driver_path, table) == stored(orm_path, table), table.name


def test_a_row_whose_key_is_taken_is_skipped_and_not_counted(sqlite_store):
    with sqlite_store.engine.begin() as connection:
        assert insert_rows(connection, inbox, [taken_row("e1")], ("source", "event_id")) == 1
        assert insert_rows(connection, inbox, [taken_row("e1"), taken_row("e2")], ("source", "event_id")) == 1


def test_a_ticket_s_columns_are_updated_as_sqlalchemy_updates_them(two):
    (orm, orm_path, _), (driver, driver_path, _) = two
    change = {
        "holder_group": "Network",
        "holder_person": None,
        "holder_since": ON_THE_SECOND,
        "last_activity_at": None,
        "unverified": True,
        "replies": {"alice": 2},
    }
    for store in (orm, driver):
        with store.engine.begin() as connection:
            connection.execute(insert(tickets), [ticket_rows(1), ticket_rows(2)])
    with orm.engine.begin() as connection:
        for row_id in (1, 2):
            connection.execute(update(tickets).where(tickets.c.id == row_id).values(change))
    with driver.engine.begin() as connection:
        update_rows(connection, tickets, "id", [{"id": 1, **change}, {"id": 2, **change}])

    assert stored(driver_path, tickets) == stored(orm_path, tickets)


def test_a_naive_time_and_a_column_whose_default_would_be_skipped_are_refused(sqlite_store):
    with sqlite_store.engine.begin() as connection:
        with pytest.raises(ValueError, match="aware"):
            insert_rows(connection, timers, [{**timer_row(1), "due_at": datetime(2026, 12, 6)}])
        lacking = {k: v for k, v in ledger_row(1).items() if k != "data"}
        with pytest.raises(ValueError, match="data"):
            insert_rows(connection, ledger_entries, [lacking])
