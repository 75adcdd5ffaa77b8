"""The store's failures as Baton errors, so a caller (the CLI) catches Baton's errors and never SQLAlchemy's."""

from __future__ import annotations

import sys

from baton_itsm.core.errors import BatonError, StoreError


class ConcurrentChange(BatonError):
    """Someone else changed the ticket at the same moment; the command can be tried again."""


def another_writer(error: BaseException) -> bool:
    """Whether `error` is another writer getting there first: a ConcurrentChange, or SQLAlchemy's OperationalError (on
    PostgreSQL a deadlock or a lock not granted; on SQLite the write lock held past the wait)."""
    return isinstance(error, ConcurrentChange) or _operational(error)


def unanswered(error: BaseException, database_url: str | None = None) -> StoreError | None:
    """A StoreError saying the ledger store did not answer, when `error` is SQLAlchemy's OperationalError (the
    database unreachable, locked past the wait, refusing the login); None for any other error."""
    if not _operational(error):
        return None
    from baton_itsm.core.store.database import redact

    where = f" at {redact(database_url)}" if database_url is not None else ""
    return StoreError(f"the ledger store{where} did not answer: {getattr(error, 'orig', error)}")


def _operational(error: BaseException) -> bool:
    """Whether `error` is SQLAlchemy's OperationalError. Only code that used the store can raise SQLAlchemy's errors,
    so it is imported by then: looked up, not imported, and importing this module costs a command that never touches
    the store nothing."""
    operational = getattr(sys.modules.get("sqlalchemy.exc"), "OperationalError", None)
    return operational is not None and isinstance(error, operational)
