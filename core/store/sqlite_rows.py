"""Many rows written through SQLite's driver, stored exactly as SQLAlchemy stores them, without its cost per row.

At the end of an inbox round (core/store/write_batch.py) the worker writes some eight rows per delivery: ledger
entries, the ticket's row, an outbox row, a timer, the event's first sight. Bound by SQLAlchemy, each row cost
about 14 us of parameter building and type processing, more than SQLite's own insert: a fifth of the worker's
time in a webhook burst. Here a statement is written once per table and set of columns, and each value is
converted as the column's SQLAlchemy type converts it on SQLite:
- an aware datetime (UTCDateTime) as UTC text in SQLAlchemy's format, YYYY-MM-DD HH:MM:SS.ffffff;
- JSON with json.dumps (None too: JSON's `null`, as the JSON type stores it);
- anything else as it is, for the driver (a bool is stored as 0 or 1 either way).
Any other type that converts its values is refused when the statement is built, so no column is ever stored
differently (tests/integration/test_sqlite_rows.py compares both ways, row by row).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Table
from sqlalchemy.types import TypeDecorator

from baton_itsm.core.store.types import UTCDateTime


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict], conflict: tuple[str, ...] = ()) -> int:
    """Insert `rows` (dicts with the same keys) in one executemany; with `conflict` columns, a row whose values
    there are taken is skipped (ON CONFLICT DO NOTHING). How many rows were inserted."""
    if not rows:
        return 0
    sql, values = _insert(table, tuple(rows[0]), conflict)
    return connection.exec_driver_sql(sql, [values(row) for row in rows]).rowcount


def update_rows(connection: Connection, table: Table, key: str, rows: Sequence[dict]) -> None:
    """Set each row's other columns where `key` has its value (dicts with the same keys), in one executemany."""
    if not rows:
        return
    sql, values = _update(table, tuple(name for name in rows[0] if name != key), key)
    connection.exec_driver_sql(sql, [values(row) for row in rows])


def _values_of(table: Table, columns: tuple[str, ...]) -> Callable[[dict], tuple]:
    """A row's values in the order of `columns`, each converted as its column's type would on SQLite."""
    picked = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    converted = [(i, convert) for i, name in enumerate(columns) if (convert := _converter(table, name)) is not None]

    def values(row: dict) -> tuple:
        found = picked(row)
        if not converted:
            return found
        changed = list(found)
        for i, convert in converted:
            changed[i] = convert(changed[i])
        return tuple(changed)  # the driver's executemany takes tuples

    return values


@cache
def _insert(table: Table, columns: tuple[str, ...], conflict: tuple[str, ...]) -> tuple[str, Callable]:
    _no_defaults_missing(table, columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    return sql, _values_of(table, columns)


@cache
def _update(table: Table, columns: tuple[str, ...], key: str) -> tuple[str, Callable]:
    sql = f"UPDATE {table.name} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {key} = ?"
    return sql, _values_of(table, (*columns, key))


def _no_defaults_missing(table: Table, columns: tuple[str, ...]) -> None:
    """SQLAlchemy fills a column's Python-side default in; this path does not, so every such column must be given."""
    missing = [c.name for c in table.columns if c.default is not None and c.name not in columns and not c.primary_key]
    if missing:
        raise ValueError(f"rows for {table.name} lack {', '.join(missing)}, which have defaults SQLAlchemy would set")


def _converter(table: Table, name: str) -> Callable[[Any], Any] | None:
    kind = table.c[name].type
    if isinstance(kind, UTCDateTime):
        return sqlite_time
    if isinstance(kind, JSON):
        return json.dumps
    if isinstance(kind, Boolean):
        return None  # the driver stores True as 1, as SQLAlchemy's processor does
    if isinstance(kind, TypeDecorator) or kind.dialect_impl(_SQLITE).bind_processor(_SQLITE) is not None:
        raise TypeError(f"{table.name}.{name} ({kind!r}) converts its values; this path does not know how")
    return None


@lru_cache(maxsize=4096)  # a round writes the same few times (its `now`, its events' times) many times over
def sqlite_time(value: datetime | None) -> str | None:
    """An aware time as SQLAlchemy's DateTime keeps it in SQLite (UTC, YYYY-MM-DD HH:MM:SS.ffffff), for every
    writer that bypasses SQLAlchemy (this module, the receiver's inbox writer and spool)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("Baton stores aware datetimes only (got a naive one)")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_dialect():
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    return SQLiteDialect_pysqlite()


_SQLITE = _sqlite_dialect()
