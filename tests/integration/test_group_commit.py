"""Webhook deliveries kept through the group commit and the inbox writer, on SQLite and PostgreSQL.

Concurrent deliveries share a transaction and each hears whether it was new only after the commit; a
delivery id twice in one batch is kept once; a failed transaction answers every request in it with the
error and keeps nothing; what the lean SQLite writer stores is what the intake reads and handles. On a
free SQLite store the event loop writes the batch itself; on a busy one the writer thread waits for it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.runtime.group_commit import GroupCommit
from baton_itsm.core.store.inbox_writer import (
    SqliteInboxWriter,
    StoreBusy,
    UnitOfWorkInboxWriter,
    open_inbox_writer,
    open_quick_inbox_writer,
)
from baton_itsm.core.store.schema import inbox
from baton_itsm.core.usecases.intake import Intake, delivery_payload


def payload(clock, event_id: str) -> dict:
    return delivery_payload(
        [
            ToolEvent(
                ticket=TicketKey("rt", "7"),
                event_id=event_id,
                kind=ToolEventKind.CREATED,
                at=clock.now(),
                actor="tina",
                new_holder=Holder("Service Desk", "alice"),
            )
        ]
    )


def kept(store) -> list[tuple[str, str]]:
    with store.engine.connect() as connection:
        return sorted(connection.execute(select(inbox.c.source, inbox.c.event_id)).all())


class HeldWriter:
    """The store's own writer, held at its first write until the test has queued the rest of a batch."""

    def __init__(self, store, fail: bool = False):
        self.inner, self.fail = open_inbox_writer(store), fail
        self.entered, self.release = threading.Event(), threading.Event()
        self.batches: list[list[str]] = []

    def write(self, rows, now):
        self.entered.set()
        self.release.wait(10)
        self.batches.append([delivery for _, delivery, _ in rows])
        if self.fail:
            raise RuntimeError("the disk is full")
        return self.inner.write(rows, now)

    def close(self):
        self.inner.close()


async def gather_while_held(commit: GroupCommit, writer: HeldWriter, first: tuple, rest: list[tuple]):
    """Queue `first`, wait until the writer holds it, queue `rest`, then let the writer go."""
    head = asyncio.ensure_future(commit.keep(*first))
    await asyncio.get_running_loop().run_in_executor(None, writer.entered.wait, 10)
    tail = [asyncio.ensure_future(commit.keep(*item)) for item in rest]
    await asyncio.sleep(0)
    assert not any(f.done() for f in [head, *tail]), "nothing is answered before its batch commits"
    writer.release.set()
    return await asyncio.gather(head, *tail, return_exceptions=True)


def test_the_writer_on_this_store_is_the_lean_one_for_a_sqlite_file(store):
    writer = open_inbox_writer(store)
    try:
        expected = SqliteInboxWriter if store.engine.dialect.name == "sqlite" else UnitOfWorkInboxWriter
        assert isinstance(writer, expected)
    finally:
        writer.close()


def test_concurrent_deliveries_share_one_transaction_and_a_repeated_id_is_kept_once(store, clock):
    writer = HeldWriter(store)
    commit = GroupCommit(lambda: writer, clock)
    rest = [
        ("rt", "d2", payload(clock, "e2")),
        ("rt", "d3", payload(clock, "e3")),
        ("rt", "d2", payload(clock, "e2")),
        ("jira", "d2", payload(clock, "e2")),
    ]
    try:
        answers = asyncio.run(gather_while_held(commit, writer, ("rt", "d1", payload(clock, "e1")), rest))
    finally:
        commit.close()
    assert answers == [True, True, True, False, True]  # the second rt/d2 in the same batch: a duplicate
    assert writer.batches == [["d1"], ["d2", "d3", "d2", "d2"]] and commit.batches == 2
    assert kept(store) == [("jira", "d2"), ("rt", "d1"), ("rt", "d2"), ("rt", "d3")]
    again = GroupCommit(lambda: open_inbox_writer(store), clock)
    try:
        assert asyncio.run(_keep(again, ("rt", "d3", payload(clock, "e3")))) is False  # a retry, later
    finally:
        again.close()


async def _keep(commit: GroupCommit, item: tuple) -> bool:
    return await commit.keep(*item)


def test_a_failed_transaction_answers_every_request_in_it_with_the_error_and_keeps_nothing(store, clock):
    writer = HeldWriter(store, fail=True)
    commit = GroupCommit(lambda: writer, clock)
    try:
        answers = asyncio.run(
            gather_while_held(commit, writer, ("rt", "d1", payload(clock, "e1")), [("rt", "d2", payload(clock, "e2"))])
        )
    finally:
        commit.close()
    assert [type(a) for a in answers] == [RuntimeError, RuntimeError]
    assert kept(store) == []


def test_a_failing_sqlite_insert_rolls_back_the_whole_batch(sqlite_store, clock):
    writer = open_inbox_writer(sqlite_store)
    try:
        with pytest.raises(TypeError):  # an unserialisable payload fails the batch after d1 was inserted
            writer.write([("rt", "d1", payload(clock, "e1")), ("rt", "d2", {"events": object()})], clock.now())
        assert kept(sqlite_store) == []
        assert writer.write([("rt", "d1", payload(clock, "e1"))], clock.now()) == [True]
    finally:
        writer.close()


def test_what_the_writer_keeps_the_intake_handles(store, clock, directory):
    writer = open_inbox_writer(store)
    try:
        assert writer.write([("rt", "d1", payload(clock, "e1")), ("rt", "d1", payload(clock, "e1"))], clock.now()) == [
            True,
            False,
        ]
    finally:
        writer.close()
    with store.engine.connect() as connection:
        row = connection.execute(select(inbox)).one()
        assert (row.received_at, row.status, row.attempts) == (clock.now(), "pending", 0)
        assert row.payload == payload(clock, "e1")
    policy = Policy(directory=directory, instances=frozenset({"rt"}), accounts={"rt": "baton"})
    report = Intake(store, RulesEngine(policy), clock).process_pending()
    assert (report.new, report.failed) == (1, 0)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(inbox).where(inbox.c.status == "done")).scalar() == 1


def test_a_delivery_that_waits_for_the_rest_of_its_write_is_handled_only_once_the_wait_is_over(store, clock, directory):
    """RT's Scrip posts one write as several deliveries; each waits (core/store/settling.py) as the writer keeps it."""
    event = ToolEvent(
        ticket=TicketKey("rt", "7"),
        event_id="e1",
        kind=ToolEventKind.CREATED,
        at=clock.now(),
        actor="tina",
        new_holder=Holder("Service Desk", "alice"),
    )
    writer = open_inbox_writer(store)
    try:
        assert writer.write([("rt", "d1", delivery_payload([event], settle_seconds=1))], clock.now()) == [True]
    finally:
        writer.close()
    policy = Policy(directory=directory, instances=frozenset({"rt"}), accounts={"rt": "baton"})
    intake = Intake(store, RulesEngine(policy), clock)
    clock.advance(seconds=0.9)
    assert intake.process_pending().new == 0, "still waiting for the rest of its write"
    clock.advance(seconds=0.2)
    assert intake.process_pending().new == 1


def test_on_a_free_sqlite_store_the_event_loop_writes_the_batch_itself(sqlite_store, clock):
    commit = GroupCommit(
        lambda: pytest.fail("the writer thread was not needed"), clock, lambda: open_quick_inbox_writer(sqlite_store)
    )

    async def deliveries():
        return await asyncio.gather(*(commit.keep("rt", d, payload(clock, d)) for d in ("d1", "d2", "d1")))

    try:
        assert asyncio.run(deliveries()) == [True, True, False]
    finally:
        commit.close()
    assert commit.batches == 1 and kept(sqlite_store) == [("rt", "d1"), ("rt", "d2")]


def test_while_the_store_is_being_written_the_batch_goes_to_the_waiting_writer(sqlite_store, clock):
    commit = GroupCommit(lambda: open_inbox_writer(sqlite_store), clock, lambda: open_quick_inbox_writer(sqlite_store))
    other_process = sqlite3.connect(sqlite_store.engine.url.database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock

    async def delivery():
        waiting = asyncio.ensure_future(commit.keep("rt", "d1", payload(clock, "e1")))
        for _ in range(100):  # until the loop has tried and handed the batch over
            await asyncio.sleep(0)
        assert not waiting.done(), "not answered while the store could not take it"
        other_process.execute("COMMIT")
        return await waiting

    try:
        assert asyncio.run(delivery()) is True
    finally:
        other_process.close()
        commit.close()
    assert kept(sqlite_store) == [("rt", "d1")]


def test_a_quick_writer_refuses_at_once_when_another_thread_of_this_process_is_writing(store, clock):
    if store.engine.dialect.name != "sqlite":
        assert open_quick_inbox_writer(store) is None  # a server store: always the writer thread
        return
    writer = open_quick_inbox_writer(store)
    try:
        with store.unit_of_work(clock.now()):  # holds the Store's write lock, as the inbox worker does
            done = []
            thread = threading.Thread(target=lambda: done.append(_busy(writer, clock)))
            thread.start()
            thread.join(10)
        assert done == [True] and kept(store) == []
    finally:
        writer.close()


def _busy(writer, clock) -> bool:
    try:
        writer.write([("rt", "d1", payload(clock, "e1"))], clock.now())
    except StoreBusy:
        return True
    return False
