"""The Store checkpoints SQLite's WAL after units of work, not inside their commits (core/store/wal.py)."""

from __future__ import annotations

from pathlib import Path

from baton_itsm.core.store import wal
from baton_itsm.core.store.inbox_writer import open_inbox_writer


def wal_bytes(store) -> int:
    return Path(store.engine.url.database + "-wal").stat().st_size


def test_connections_do_not_checkpoint_on_commit(sqlite_store):
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0


def test_units_of_work_keep_the_wal_from_growing_by_checkpointing_after_the_lock(sqlite_store, clock, monkeypatch):
    monkeypatch.setattr(wal, "EVERY", 0.0)  # every unit of work checkpoints (production: twice a second at most)
    payload = {"text": "x" * 4000}
    for i in range(300):
        with sqlite_store.unit_of_work(clock.now()) as uow:
            uow.record_incoming("rt", f"e{i}", payload)
    assert wal_bytes(sqlite_store) < 200_000  # without checkpoints: over 1.2 MB, one page or more a delivery


def test_the_waiting_inbox_writer_checkpoints_too(sqlite_store, clock, monkeypatch):
    monkeypatch.setattr(wal, "EVERY", 0.0)
    writer = open_inbox_writer(sqlite_store)
    try:
        for i in range(300):
            writer.write([("rt", f"e{i}", {"text": "x" * 4000})], clock.now())
    finally:
        writer.close()
    assert wal_bytes(sqlite_store) < 200_000
