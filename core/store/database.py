"""Where the ledger lives and how to connect to it."""
from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from baton_itsm.core.errors import StoreError

DATABASE_URL_ENV = "BATON_DATABASE_URL"


def default_sqlite_path() -> Path:
    return Path(user_data_dir("baton", appauthor=False)) / "baton.db"


def resolve_database_url(db_option: str | None = None, configured: str | None = None) -> str:
    """--db (a path or URL) wins, then BATON_DATABASE_URL, then the config, then SQLite in the data dir."""
    chosen = db_option or os.environ.get(DATABASE_URL_ENV) or configured
    if not chosen:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    return chosen


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
    dbapi_connection.isolation_level = None  # autocommit at the driver; BEGIN is ours
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
