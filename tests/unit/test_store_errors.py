"""The store's failures reach the CLI as Baton errors (core/store/errors.py), so the CLI imports no SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from baton_itsm.core.errors import StoreError
from baton_itsm.core.store.errors import unanswered


def test_an_unanswering_store_becomes_a_store_error_naming_it_without_its_password():
    error = OperationalError("select 1", {}, Exception("connection refused"))
    translated = unanswered(error, "postgresql+psycopg://baton:secret@db.example/baton")
    assert isinstance(translated, StoreError)
    assert str(translated) == (
        "the ledger store at postgresql+psycopg://baton:***@db.example/baton did not answer: connection refused"
    )
    assert translated.exit_code == StoreError.exit_code


def test_without_a_deployment_the_message_names_no_store():
    error = OperationalError("select 1", {}, Exception("database is locked"))
    assert str(unanswered(error)) == "the ledger store did not answer: database is locked"


def test_any_other_error_is_left_to_the_caller():
    assert unanswered(ValueError("not the store")) is None
    assert unanswered(RuntimeError("boom"), "sqlite:///x.db") is None
