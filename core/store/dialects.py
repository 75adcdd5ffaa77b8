"""The one statement whose form differs between PostgreSQL and SQLite: INSERT ... ON CONFLICT DO NOTHING, which
lets the second of two writers of the same key find it written instead of failing (the row locks that differ are in
store/leases.py)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_or_nothing(dialect_name: str, table: Table, conflict_columns: list[str]):
    """INSERT into `table` that does nothing when a row with the same `conflict_columns` exists."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=conflict_columns)
