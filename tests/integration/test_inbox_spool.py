"""The receiver's spool on SQLite (core/store/inbox_spool.py), beside a workers' process.

What a desk relies on: a delivery answered 2xx is handled exactly once, in the order it came, with its time of
receipt and settle delay as if the receiver had written the inbox itself; one sent again is answered "duplicate"
for an hour, before and after it moved on, and is never handled twice; the receiver never waits for the inbox
worker, and deliveries left in the spool by one run are handled by the next, however that one is set up.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.store.inbox_spool import SpoolDrain, SpoolWriter, spool_path
from baton_itsm.core.store.inbox_writer import StoreBusy, open_inbox_writer
from baton_itsm.core.store.schema import inbox
from baton_itsm.core.store.settling import SETTLE
from baton_itsm.core.usecases.intake import Intake, delivery_payload


def payload(clock, event_id: str, ticket: str = "7", settle: float | None = None) -> dict:
    kept = delivery_payload(
        [
            ToolEvent(
                ticket=TicketKey("rt", ticket),
                event_id=event_id,
                kind=ToolEventKind.CREATED,
                at=clock.now(),
                actor="tina",
                new_holder=Holder("Service Desk", "alice"),
            )
        ]
    )
    return {**kept, SETTLE: settle} if settle else kept


def inbox_rows(store) -> list[tuple]:
    with store.engine.connect() as connection:
        query = select(inbox.c.source, inbox.c.event_id, inbox.c.received_at, inbox.c.claimed_until, inbox.c.ticket)
        return [tuple(row) for row in connection.execute(query.order_by(inbox.c.id))]


def spooled(store) -> list[str]:
    """The deliveries in the spool not yet moved into the inbox."""
    with sqlite3.connect(spool_path(store)) as connection:
        query = "SELECT event_id FROM spool WHERE id > coalesce((SELECT up_to FROM drained), 0) ORDER BY id"
        return [row[0] for row in connection.execute(query)]


def test_what_the_spool_keeps_reaches_the_inbox_as_the_inbox_writer_would_have_kept_it(sqlite_store, clock, tmp_path):
    assert spool_path(sqlite_store) == tmp_path / "ledger.db.spool"
    writer = SpoolWriter(sqlite_store)
    first = clock.now()
    assert writer.write([("rt", "d1", payload(clock, "e1")), ("rt", "d2", payload(clock, "e2", "8", 1.0))], first) == [
        True,
        True,
    ]
    clock.advance(seconds=3)
    assert writer.write([("rt", "d3", payload(clock, "e3")), ("rt", "d1", payload(clock, "e1"))], clock.now()) == [
        True,
        False,  # still in the spool: the same delivery
    ]
    assert inbox_rows(sqlite_store) == [], "the receiver never writes the ledger's file"
    assert SpoolDrain(sqlite_store, clock).drain() == 3
    assert spooled(sqlite_store) == []
    assert inbox_rows(sqlite_store) == [
        ("rt", "d1", first, None, "rt:7"),
        ("rt", "d2", first, first + timedelta(seconds=1), "rt:8"),  # its settle delay kept
        ("rt", "d3", clock.now(), None, "rt:7"),
    ]
    assert writer.write([("rt", "d1", payload(clock, "e1"))], clock.now()) == [False], "moved on, still a duplicate"
    assert spooled(sqlite_store) == []
    writer.close()


def test_the_inbox_worker_handles_what_was_spooled(sqlite_store, clock, directory):
    writer = SpoolWriter(sqlite_store)
    writer.write([("rt", "d1", payload(clock, "e1"))], clock.now())
    writer.close()
    SpoolDrain(sqlite_store, clock).drain()
    policy = Policy(directory=directory, instances=frozenset({"rt"}), accounts={"rt": "baton"})
    report = Intake(sqlite_store, RulesEngine(policy), clock).process_pending()
    assert (report.new, report.failed) == (1, 0)


def test_a_drain_cut_off_between_its_two_commits_moves_nothing_twice(sqlite_store, clock):
    writer = SpoolWriter(sqlite_store)
    writer.write([("rt", f"d{n}", payload(clock, f"e{n}", str(n))) for n in range(5)], clock.now())
    SpoolDrain(sqlite_store, clock).drain()
    # The state a crash after the inbox's commit and before the spool's mark leaves: the rows in both files.
    with sqlite3.connect(spool_path(sqlite_store)) as connection:
        connection.execute("UPDATE drained SET up_to = 0")
    assert spooled(sqlite_store) == [f"d{n}" for n in range(5)]
    assert SpoolDrain(sqlite_store, clock).drain() == 5
    assert [row[1] for row in inbox_rows(sqlite_store)] == [f"d{n}" for n in range(5)], "each kept once"
    assert spooled(sqlite_store) == []
    writer.close()


def test_the_drain_moves_the_oldest_first_a_bounded_number_at_a_time(sqlite_store, clock):
    writer = SpoolWriter(sqlite_store)
    for n in range(7):
        writer.write([("rt", f"d{n}", payload(clock, f"e{n}"))], clock.now())
    drain = SpoolDrain(sqlite_store, clock)
    assert drain.drain(most=3) == 3 and drain.waiting() == 4
    writer.write([("rt", "d7", payload(clock, "e7"))], clock.now())  # kept while the spool had rows left
    assert drain.drain(most=3) == 3 and drain.drain(most=3) == 2 and drain.drain() == 0
    assert [row[1] for row in inbox_rows(sqlite_store)] == [f"d{n}" for n in range(8)]
    writer.close()


def test_no_spool_file_means_nothing_to_drain_and_none_is_made(sqlite_store, clock):
    assert SpoolDrain(sqlite_store, clock).drain() == 0
    assert not spool_path(sqlite_store).exists()


def test_the_receiver_keeps_deliveries_while_the_inbox_worker_holds_the_ledger(sqlite_store, clock):
    """The reason for the spool: with the ledger's one write lock taken (as a round of the inbox worker takes it),
    a delivery is kept at once, by the event loop's writer, which never waits."""
    quick = SpoolWriter(sqlite_store, wait=False)
    with sqlite_store.unit_of_work(clock.now()) as uow:
        uow.connection.exec_driver_sql("UPDATE inbox SET attempts = attempts")  # SQLite's write lock, taken
        assert quick.write([("rt", "d1", payload(clock, "e1"))], clock.now()) == [True]
    assert spooled(sqlite_store) == ["d1"]
    quick.close()


def test_a_quick_writer_refuses_while_the_drain_deletes_and_a_waiting_one_waits(sqlite_store, clock):
    quick, waiting = SpoolWriter(sqlite_store, wait=False), SpoolWriter(sqlite_store)
    drain = sqlite3.connect(spool_path(sqlite_store), isolation_level=None)
    drain.execute("BEGIN IMMEDIATE")  # the drain's delete, in progress
    with pytest.raises(StoreBusy):
        quick.write([("rt", "d1", payload(clock, "e1"))], clock.now())
    drain.execute("COMMIT")
    assert waiting.write([("rt", "d1", payload(clock, "e1"))], clock.now()) == [True]
    assert spooled(sqlite_store) == ["d1"], "nothing of the refused write was kept"
    quick.close(), waiting.close(), drain.close()


@pytest.mark.postgres
def test_a_server_store_has_no_spool(postgres_store):
    assert spool_path(postgres_store) is None
    with pytest.raises(ValueError, match="SQLite"):
        SpoolWriter(postgres_store)
    assert SpoolDrain(postgres_store, FixedClock(datetime(2026, 3, 2, tzinfo=UTC))).drain() == 0


def test_a_delivery_the_inbox_holds_already_is_never_handled_twice(sqlite_store, clock):
    """Kept by a run with the workers in the web server's process, then sent again to a spooling one: the spool
    does not know it (the receiver never reads the ledger), the inbox does."""
    writer = open_inbox_writer(sqlite_store)
    writer.write([("rt", "d1", payload(clock, "e1"))], clock.now())
    writer.close()
    spool = SpoolWriter(sqlite_store)
    assert spool.write([("rt", "d1", payload(clock, "e1")), ("rt", "d2", payload(clock, "e2"))], clock.now()) == [
        True,
        True,
    ]
    assert SpoolDrain(sqlite_store, clock).drain() == 2
    assert [row[1] for row in inbox_rows(sqlite_store)] == ["d1", "d2"]
    spool.close()


def test_a_drained_delivery_is_a_duplicate_for_an_hour_then_forgotten_and_still_handled_once(sqlite_store, clock):
    spool, drain = SpoolWriter(sqlite_store), SpoolDrain(sqlite_store, clock)
    spool.write([("rt", "d1", payload(clock, "e1"))], clock.now())
    drain.drain()
    clock.advance(minutes=59)
    drain.drain()
    assert spool.write([("rt", "d1", payload(clock, "e1"))], clock.now()) == [False], "within the hour"
    clock.advance(minutes=2)
    drain.drain()  # its tidying forgets the row kept over an hour ago
    assert spool.write([("rt", "d1", payload(clock, "e1"))], clock.now()) == [True], "answered as new"
    assert drain.drain() == 1
    assert [row[1] for row in inbox_rows(sqlite_store)] == ["d1"], "and handled once"
    spool.close()


def test_an_emptied_spool_never_gives_a_new_delivery_an_id_already_drained(sqlite_store, clock):
    """Were an id reused after every row was forgotten, the new row would sit below the drained mark for ever."""
    spool, drain = SpoolWriter(sqlite_store), SpoolDrain(sqlite_store, clock)
    spool.write([("rt", f"d{n}", payload(clock, f"e{n}")) for n in range(3)], clock.now())
    drain.drain()
    clock.advance(hours=2)
    drain.drain()  # forgets all three
    with sqlite3.connect(spool_path(sqlite_store)) as connection:
        assert connection.execute("SELECT count(*) FROM spool").fetchone()[0] == 0
    spool.write([("rt", "d9", payload(clock, "e9"))], clock.now())
    assert drain.drain() == 1 and [row[1] for row in inbox_rows(sqlite_store)] == ["d0", "d1", "d2", "d9"]
    spool.close()
