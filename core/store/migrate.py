"""Schema migrations: `baton db upgrade`, and the check every command makes before using the store."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from baton_itsm.core.errors import StoreError
from baton_itsm.core.store.database import redact

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # only a broken installation lacks the migrations shipped with the package
        raise StoreError(f"no schema migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise StoreError(f"cannot reach the ledger store at {redact(str(engine.url))}: {error.orig}") from None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def ensure_current(engine: Engine) -> None:
    """An embedded SQLite store upgrades itself; a server database must be upgraded on purpose."""
    if current_revision(engine) == head_revision():
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise StoreError(
        f"the ledger store at {redact(str(engine.url))} is not at schema {head_revision()}: run `baton db upgrade`"
    )
