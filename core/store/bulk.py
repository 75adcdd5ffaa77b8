"""The ledger store on the driver's own connection, for bulk work: history imports and reports.

An import of the UCI log writes some 42k rows and a report reads them back, against a budget of a
fraction of a second. SQLAlchemy costs about 0.3 s to import here and microseconds per bound value,
so these paths talk to the driver: sqlite3 for a SQLite file (SQLAlchemy is then not imported at
all), the SQLAlchemy engine's raw DB-API connection for a server database. Values are what the
columns hold: timestamps go in as `YYYY-MM-DD HH:MM:SS` text in UTC (stored in SQLAlchemy's own
SQLite format, so the ORM path reads them back unchanged), JSON as text.

A SQLite file whose schema lacks what these statements use is first brought up to date by the
regular migration path (store.migrate). A file that does not exist yet is made from the migrated
schema's snapshot instead (store.snapshot), which a test keeps equal to what the migrations make.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, overload

from baton_itsm.core.store.location import sqlite_path, sqlite_pragmas
from baton_itsm.core.store.snapshot import create_from_snapshot

# The columns the bulk statements use, per table: checked against a SQLite file before using it.
TICKET_COLUMNS = (
    "id",
    "instance",
    "external_id",
    "holder_group",
    "holder_person",
    "owner",
    "version",
    "bounces",
    "first_assigned_at",
    "holder_since",
    "created_at",
    "requester",
    "priority",
    "category",
    "status",
    "tool_group",
    "tool_person",
    "last_activity_at",
)
LEDGER_COLUMNS = (
    "ticket_id",
    "version",
    "entry_type",
    "at",
    "actor",
    "handoff_id",
    "from_group",
    "from_person",
    "to_group",
    "to_person",
    "kind",
    "reason",
    "data",
    "recorded_at",
)
INBOX_COLUMNS = ("source", "event_id", "received_at", "payload", "status", "attempts", "processed_at")
_NEEDED = {"tickets": TICKET_COLUMNS, "ledger_entries": LEDGER_COLUMNS, "inbox": INBOX_COLUMNS}


class BulkConnection:
    """One DB-API connection, its placeholder style and how it spells timestamps."""

    def __init__(self, raw: Any, dialect: str):
        self.raw = raw
        self.dialect = dialect
        self.placeholder = "?" if dialect == "sqlite" else "%s"
        # sqlite: SQLAlchemy's storage format; a server: ISO text with the zone, which it casts itself.
        self._suffix = ".000000" if dialect == "sqlite" else "+00:00"
        self._streams = 0  # names server-side cursors apart

    @overload
    def timestamp(self, text: str) -> str: ...
    @overload
    def timestamp(self, text: None) -> None: ...
    @overload
    def timestamp(self, text: str | None) -> str | None: ...
    def timestamp(self, text: str | None) -> str | None:
        """`YYYY-MM-DD HH:MM:SS` (UTC) as this database's column value."""
        return None if text is None else text + self._suffix

    def as_datetime(self, value: Any) -> datetime | None:
        """A timestamp column's value as a naive UTC datetime (what the metrics compute with)."""
        if value is None or (isinstance(value, datetime) and value.tzinfo is None):
            return value
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None)
        return datetime.fromisoformat(value)

    def datetime_reader(self) -> Callable[[Any], datetime | None]:
        """as_datetime for reading many rows: on SQLite a cache, each distinct text parsed once."""
        return _TextTimestamps().__getitem__ if self.dialect == "sqlite" else self.as_datetime

    def insert_sql(self, table: str, columns: Sequence[str], **same: str) -> str:
        """An INSERT binding `columns` per row; `same` are columns with one text value for every row, written
        into the statement as literals (a bound value costs per row, a literal once)."""
        marks = [self.placeholder] * len(columns) + [self._literal(value) for value in same.values()]
        return f"INSERT INTO {table} ({', '.join([*columns, *same])}) VALUES ({', '.join(marks)})"

    def _literal(self, text: str) -> str:
        quoted = "'" + text.replace("'", "''") + "'"
        return quoted if self.placeholder == "?" else quoted.replace("%", "%%")  # %s style: a lone % is a marker

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        cursor = self.raw.cursor()
        cursor.executemany(sql, rows if self.dialect == "sqlite" else list(rows))
        cursor.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.raw.cursor()
        cursor.execute(sql.replace("?", self.placeholder), tuple(params))
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 10_000) -> Iterator[tuple]:
        """The rows, `size` at a time: SQLite steps through them; a server keeps them in a named (server-side)
        cursor, since a client-side one would receive the whole result before the first row."""
        self._streams += 1
        cursor = self.raw.cursor() if self.dialect == "sqlite" else self.raw.cursor(f"baton_stream_{self._streams}")
        cursor.execute(sql.replace("?", self.placeholder), tuple(params))
        while batch := cursor.fetchmany(size):
            yield from batch
        cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[BulkConnection]:
        """Everything inside commits together or not at all (SQLite: BEGIN IMMEDIATE, as the store does)."""
        if self.dialect == "sqlite":
            self.raw.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.raw.rollback()
            raise
        self.raw.commit()

    def close(self) -> None:
        self.raw.close()


class _TextTimestamps(dict):
    """SQLite's timestamp text -> naive UTC datetime; None stays None."""

    __slots__ = ()

    def __missing__(self, text: str | None) -> datetime | None:
        value = self[text] = None if text is None else datetime.fromisoformat(text)
        return value


def open_bulk(url: str) -> BulkConnection:
    """A bulk connection to the ledger store at `url`, its schema brought up to date if it needs it."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        create_from_snapshot(path)  # a brand-new store: made without Alembic (store/snapshot.py)
    if path is not None and _sqlite_ready(path):
        return _sqlite(path)
    from baton_itsm.core.store.database import make_engine  # the regular path: SQLAlchemy and Alembic
    from baton_itsm.core.store.migrate import ensure_current

    engine = make_engine(url)
    ensure_current(engine)
    if path is not None:
        engine.dispose()
        return _sqlite(path)
    return BulkConnection(engine.raw_connection(), engine.dialect.name)


def _sqlite(path) -> BulkConnection:
    raw = sqlite3.connect(path, timeout=30)
    sqlite_pragmas(raw)
    return BulkConnection(raw, "sqlite")


def _sqlite_ready(path) -> bool:
    """Whether the file is a migrated ledger store with every column the bulk statements use."""
    if not path.is_file():
        return False
    raw = sqlite3.connect(path, timeout=30)
    try:
        if not raw.execute("SELECT version_num FROM alembic_version").fetchall():
            return False
        for table, columns in _NEEDED.items():
            present = {row[1] for row in raw.execute(f"PRAGMA table_info({table})")}
            if not present.issuperset(columns):
                return False
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        raw.close()
