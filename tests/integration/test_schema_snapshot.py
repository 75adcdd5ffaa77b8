"""A new SQLite ledger made from store/schema_snapshot.sql is the one Alembic's migrations make."""

from __future__ import annotations

import re
import sqlite3

from alembic import command

from baton_itsm.core.store.bulk import open_bulk
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import _config as migration_config
from baton_itsm.core.store.migrate import current_revision, ensure_current, head_revision, newest_revision, upgrade
from baton_itsm.core.store.snapshot import create_from_snapshot, read_snapshot, schema_of

REWRITE = "the migrations changed: rewrite the snapshot with `python -m baton_itsm.core.store.snapshot`"


def _normal(statements: list[str]) -> list[str]:
    return [re.sub(r"\s+", " ", s).strip() for s in statements]


def migrated_schema(tmp_path) -> tuple[str | None, list[str]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    upgrade(engine)
    engine.dispose()
    with sqlite3.connect(tmp_path / "migrated.db") as raw:
        return schema_of(raw)


def test_the_snapshot_is_what_the_migrations_make(tmp_path):
    revision, statements = migrated_schema(tmp_path)
    snapshot_revision, snapshot = read_snapshot()
    assert (snapshot_revision, _normal(snapshot)) == (revision, _normal(statements)), REWRITE
    assert revision == head_revision(), REWRITE


def test_a_new_file_is_made_from_the_snapshot_and_reads_as_migrated(tmp_path):
    path = tmp_path / "new" / "ledger.db"
    bulk = open_bulk(f"sqlite:///{path}")  # the folder and the file do not exist yet
    bulk.close()
    with sqlite3.connect(path) as raw:
        made = schema_of(raw)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    revision, statements = migrated_schema(tmp_path)
    assert (made[0], _normal(made[1])) == (revision, _normal(statements))
    engine = make_engine(f"sqlite:///{path}")
    assert current_revision(engine) == head_revision()  # the ORM path finds nothing to migrate
    engine.dispose()


def test_an_existing_file_is_left_to_the_migrations(tmp_path):
    path = tmp_path / "ledger.db"
    path.write_bytes(b"")
    assert not create_from_snapshot(path)
    assert path.read_bytes() == b""


def test_the_quick_check_names_alembics_head_and_leaves_a_store_behind_it_to_alembic(tmp_path):
    """Every command checks the store's revision before using it; the quick check reads the newest migration file's
    id instead of loading alembic. It must name alembic's own head, and a store behind it is still upgraded."""
    assert newest_revision() == head_revision()
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    config = migration_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0011")
    assert current_revision(engine) == "0011"
    ensure_current(engine)  # an embedded SQLite store upgrades itself
    assert current_revision(engine) == head_revision()
