"""Where the ledger lives and how its SQLite file is opened. Standard library (and platformdirs) only:
the lean import and report paths (store.bulk) use it without importing SQLAlchemy."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "BATON_DATABASE_URL"


def default_sqlite_path() -> Path:
    from platformdirs import user_data_dir  # only without --db or a configured store: start-up stays lean

    return Path(user_data_dir("baton", appauthor=False)) / "baton.db"


def resolve_database_url(db_option: str | None = None, configured: str | None = None) -> str:
    """--db (a path or URL) wins, then BATON_DATABASE_URL, then the config, then SQLite in the data dir."""
    chosen = db_option or os.environ.get(DATABASE_URL_ENV) or configured
    if not chosen:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    return chosen


def sqlite_path(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for any other URL (or an in-memory database)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url == prefix or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix) :])


def sqlite_pragmas(dbapi_connection) -> None:
    """Every SQLite connection Baton opens, through SQLAlchemy or not, works the same way."""
    dbapi_connection.isolation_level = None  # autocommit at the driver; BEGIN is ours
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
