"""Where the ledger lives and how to connect to it."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from baton_itsm.core.errors import StoreError
from baton_itsm.core.store.location import DATABASE_URL_ENV, default_sqlite_path, resolve_database_url, sqlite_pragmas  # noqa: F401 (re-exported: their home was here)

WAIT_SECONDS = 30.0  # the longest a write waits for another process's SQLite write lock
RETRY_SECONDS = 0.0005


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"not a database URL: {redact(url)!r} (expected e.g. sqlite:///path or postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, the driver Baton installs
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # No busy handler: it sleeps 1, 2, 5 ... 100 ms without being woken when the lock frees, so a process
        # waiting for another one's write lock (the receiver behind the inbox worker's process) waited far longer
        # than the lock was held. Writes take the lock in `_begin`, which tries again every RETRY_SECONDS.
        engine = create_engine(parsed, connect_args={"timeout": 0})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so writes serialize cleanly.
        event.listen(engine, "begin", _begin)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as missing:
        raise StoreError(
            f"no driver for {parsed.drivername} ({missing.name} is not installed): pip install 'baton-itsm[postgres]'"
        ) from None


def _begin(connection) -> None:
    """BEGIN IMMEDIATE: take SQLite's write lock, trying again every RETRY_SECONDS for up to WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as error:
            if "locked" not in str(error.orig) or time.monotonic() > deadline:
                raise
            time.sleep(RETRY_SECONDS)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    sqlite_pragmas(dbapi_connection)
    # The Store checkpoints the WAL after a unit of work, outside its write lock (store/wal.py).
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
