"""A brand-new SQLite ledger made in one step from a snapshot of the migrated schema, without Alembic.

The first `baton import` or `baton report` into a new file used to import SQLAlchemy and Alembic and
run every migration (most of a second) to make tables the bulk path then fills with the driver alone.
schema_snapshot.sql holds what those migrations leave in `sqlite_master`, in creation order, and the
Alembic revision they end at; a file that does not exist yet is created from it and stamped with that
revision, so every later command sees an ordinary migrated store. The snapshot is checked against a
real migration by tests/integration/test_schema_snapshot.py; after adding a migration, rewrite it with
`python -m baton_itsm.core.store.snapshot`.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("schema_snapshot.sql")
_REVISION = "-- alembic revision: "
_NEXT = "\n--\n"  # between statements (a trigger's body has semicolons of its own)


def schema_of(raw: sqlite3.Connection) -> tuple[str | None, list[str]]:
    """(Alembic revision, CREATE statements in creation order) of an open SQLite database."""
    statements = [sql for (sql,) in raw.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
    try:
        revision = raw.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        revision = None
    return (revision[0] if revision else None), statements


def read_snapshot() -> tuple[str, list[str]]:
    head, _, body = SNAPSHOT.read_text(encoding="utf-8").partition("\n")
    if not head.startswith(_REVISION):
        raise ValueError(f"{SNAPSHOT}: no '{_REVISION}' line first")
    return head[len(_REVISION) :].strip(), [s for s in body.split(_NEXT) if s.strip()]


def create_from_snapshot(path: Path) -> bool:
    """Create the ledger file at `path` from the snapshot; False (nothing done) if a file is there already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.open("x").close()  # exclusive: of two processes creating the same file, one does it
    except FileExistsError:
        return False
    revision, statements = read_snapshot()
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        for statement in statements:
            raw.execute(statement)
        raw.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (revision,))
        raw.execute("COMMIT")
    except BaseException:
        raw.close()
        path.unlink(missing_ok=True)  # leave no half-made store behind: the next try starts afresh
        raise
    raw.close()
    return True


def write_snapshot(migrated: sqlite3.Connection) -> None:
    revision, statements = schema_of(migrated)
    SNAPSHOT.write_text(f"{_REVISION}{revision}\n" + _NEXT.join(statements) + "\n", encoding="utf-8")


def main() -> None:
    """Migrate a scratch database with Alembic and write what it holds as the snapshot."""
    import tempfile

    from baton_itsm.core.store.database import make_engine
    from baton_itsm.core.store.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        with sqlite3.connect(path) as raw:
            write_snapshot(raw)
    print(f"wrote {SNAPSHOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
