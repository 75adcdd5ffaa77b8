"""Where the ledger lives and how to connect to it."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from baton_itsm.core.errors import StoreError
from baton_itsm.core.store.location import (  # noqa: F401 (re-exported: their home was here)
    DATABASE_URL_ENV, default_sqlite_path, resolve_database_url, sqlite_pragmas,
)


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
        raise StoreError(f"not a database URL: {redact(url)!r} (expected e.g. sqlite:///path or "
                         "postgresql+psycopg://user@host/db)") from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, the driver Baton installs
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so writes serialize cleanly.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as missing:
        raise StoreError(f"no driver for {parsed.drivername} ({missing.name} is not installed): "
                         "pip install 'baton-itsm[postgres]'") from None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    sqlite_pragmas(dbapi_connection)
    # The Store checkpoints the WAL after a unit of work, outside its write lock (store/wal.py).
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
