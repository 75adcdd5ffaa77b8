"""Alembic migrations of the ledger store (run by `baton db upgrade`)."""
