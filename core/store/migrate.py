"""Schema migrations: `baton db upgrade`, and the check every command makes before using the store."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from baton_itsm.core.errors import StoreError
from baton_itsm.core.store.database import redact

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic is imported where a migration runs, not by every command's start-up (0.08 s of each): a store already at
# the newest revision, the usual case, is checked with one SELECT against the newest revision file's own id.
_REVISION = re.compile(r'^revision = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision = (?:"([^"]+)"|None)$', re.MULTILINE)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def newest_revision() -> str | None:
    """The head of the migration files, read from their `revision` and `down_revision` lines: the one revision no
    other names as its parent (None unless exactly one; then alembic decides)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        if (revision := _REVISION.search(source)) and (parent := _DOWN_REVISION.search(source)):
            revisions.add(revision.group(1))
            parents.add(parent.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # only a broken installation lacks the migrations shipped with the package
        raise StoreError(f"no schema migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise StoreError(f"cannot reach the ledger store at {redact(str(engine.url))}: {error.orig}") from None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def _stored_revision(engine: Engine) -> str | None:
    """The store's revision by one SELECT; None where it has none yet (or cannot say: alembic then looks)."""
    try:
        with engine.connect() as connection:
            rows: list[str] = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except (OperationalError, ProgrammingError):
        return None
    return rows[0] if len(rows) == 1 else None


def ensure_current(engine: Engine) -> None:
    """An embedded SQLite store upgrades itself; a server database must be upgraded on purpose."""
    newest = newest_revision()
    if newest is not None and _stored_revision(engine) == newest:
        return
    if current_revision(engine) == head_revision():
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise StoreError(
        f"the ledger store at {redact(str(engine.url))} is not at schema {head_revision()}: run `baton db upgrade`"
    )
