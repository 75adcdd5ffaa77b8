"""Shared fixtures: an injected clock, a small directory of people, and ledger stores.

Store tests run on SQLite and on the PostgreSQL named by BATON_TEST_POSTGRES_URL (default: the local
server on 127.0.0.1:5432, database `test`). Each test session works in a throwaway database of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.store.unit_of_work import Store
from tests.mail import MailServer, free_port

# CI sets this so that a service that should be there fails the run instead of skipping its tests.
REQUIRE_SERVICES = os.environ.get("BATON_TEST_REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get("BATON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday morning


@pytest.fixture
def directory() -> Directory:
    return Directory.of(
        {
            "Service Desk": ({"alice", "bob"}, {"dana"}),
            "Network": ({"carol", "frank"}, {"erin"}),
            "Desktop": ({"gina"}, {"dana"}),
        }
    )


def _postgres_admin_engine():
    engine = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:  # noqa: BLE001 - any failure means: no server to test against
        engine.dispose()
        return None, f"no PostgreSQL at {make_url(POSTGRES_URL).render_as_string(hide_password=True)}: {error}"
    return engine, ""


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin, why = _postgres_admin_engine()
    if admin is None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{why} (BATON_TEST_REQUIRE_SERVICES=1)")
        pytest.skip(why)
    name = f"baton_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def empty_postgres_url(postgres_url) -> str:
    _reset_postgres(postgres_url)
    return postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """A migrated, empty ledger store on each database Baton supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


def _migrated_store(url: str) -> Iterator[Store]:
    engine = make_engine(url)
    upgrade(engine)
    yield Store(engine)
    engine.dispose()


@pytest.fixture
def store(database_url) -> Iterator[Store]:
    yield from _migrated_store(database_url)


@pytest.fixture
def postgres_store(empty_postgres_url) -> Iterator[Store]:
    """A migrated, empty PostgreSQL store, for what only a server has (row locks several processes share)."""
    yield from _migrated_store(empty_postgres_url)


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    """A migrated, empty SQLite store, for what only SQLite has (its WAL, the lean inbox writer)."""
    yield from _migrated_store(f"sqlite:///{tmp_path / 'ledger.db'}")


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    server = MailServer(free_port())
    server.start()
    yield server
    server.stop()
