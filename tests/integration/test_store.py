"""The ledger store on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from baton_itsm.core.domain.commands import AcceptHandoff, RecordHolderChange, RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.store.schema import inbox, ledger_entries, outbox, tickets, timers
from baton_itsm.core.store.unit_of_work import ConcurrentChange
from baton_itsm.core.usecases.handoffs import HandoffService

KEY = TicketKey("rt", "42")


@pytest.fixture
def service(store, directory, clock) -> HandoffService:
    return HandoffService(store, directory, clock)


def test_handoff_round_trip_through_the_store(service, clock):
    service.execute(RecordHolderChange(ticket=KEY, to_holder=Holder("Service Desk", "alice"), by="alice"))
    clock.advance(minutes=5)
    service.execute(
        RequestHandoff(
            ticket=KEY,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="router down",
            summary="rebooted the switch",
        )
    )
    clock.advance(minutes=30)
    service.execute(AcceptHandoff(ticket=KEY, handoff_id="h1", by="carol"))

    entries = service.ledger(KEY)
    assert [e.event.entry_type for e in entries] == ["holder-changed", "requested", "accepted", "applied"]
    assert [e.version for e in entries] == [1, 2, 3, 4]
    assert entries[1].event.summary == "rebooted the switch"
    assert entries[3].event.at == clock.now() and entries[3].event.at.tzinfo is not None
    assert service.ticket_of("h1") == KEY
    with service.store.unit_of_work(clock.now()) as uow:
        row = uow.ticket_summary(KEY)
    assert (row.holder_group, row.holder_person, row.bounces, row.version) == ("Network", "carol", 1, 4)


def test_a_refused_command_writes_nothing(service):
    service.execute(RecordHolderChange(ticket=KEY, to_holder=Holder("Service Desk", "alice"), by="alice"))
    with pytest.raises(Exception, match="unknown group"):
        service.execute(RequestHandoff(ticket=KEY, handoff_id="h1", to_holder=Holder("Nowhere"), by="a", reason="r"))
    assert len(service.ledger(KEY)) == 1


def test_a_writer_that_read_an_old_version_is_refused(store, directory, clock):
    with store.unit_of_work(clock.now()) as uow:
        ticket = uow.load_ticket(KEY)
        uow.append(
            ticket,
            decide(
                ticket,
                RecordHolderChange(ticket=KEY, to_holder=Holder("Network"), by="x"),
                now=clock.now(),
                directory=directory,
            ),
        )
    stale = None
    with store.unit_of_work(clock.now()) as uow:
        stale = uow.load_ticket(KEY)
    with store.unit_of_work(clock.now()) as uow:
        fresh = uow.load_ticket(KEY)
        uow.append(
            fresh,
            decide(
                fresh,
                RecordHolderChange(ticket=KEY, to_holder=Holder("Desktop"), by="x"),
                now=clock.now(),
                directory=directory,
            ),
        )
    with pytest.raises(ConcurrentChange), store.unit_of_work(clock.now()) as uow:
        uow.append(
            stale,
            decide(
                stale,
                RecordHolderChange(ticket=KEY, to_holder=Holder("Service Desk"), by="y"),
                now=clock.now(),
                directory=directory,
            ),
        )
    with store.unit_of_work(clock.now()) as uow:
        assert uow.load_ticket(KEY).holder == Holder("Desktop")


def test_everything_one_event_writes_commits_together_or_not_at_all(store, directory, clock):
    class Crash(Exception):
        pass

    with pytest.raises(Crash), store.unit_of_work(clock.now()) as uow:
        assert uow.record_incoming("rt", "txn-1", {"ticket": "42"})
        ticket = uow.load_ticket(KEY)
        uow.append(
            ticket,
            decide(
                ticket,
                RecordHolderChange(ticket=KEY, to_holder=Holder("Network"), by="x"),
                now=clock.now(),
                directory=directory,
            ),
        )
        uow.queue_outgoing("revert:rt:42:1", "tool", {"action": "set-holder"}, ticket=KEY)
        uow.set_timer("stale:rt:42", KEY, "stale", clock.now() + timedelta(hours=4))
        raise Crash("the process dies before commit")
    with store.engine.connect() as connection:
        counts = [
            connection.execute(select(text("count(*)")).select_from(t)).scalar()
            for t in (inbox, ledger_entries, outbox, timers, tickets)
        ]
    assert counts == [0, 0, 0, 0, 0]


def test_a_repeated_incoming_event_or_outgoing_key_is_a_no_op(store, clock):
    with store.unit_of_work(clock.now()) as uow:
        assert uow.record_incoming("rt", "txn-1", {"n": 1}) is True
        assert uow.queue_outgoing("email:<m1@baton>", "email", {"to": "a@example.com"}) is True
    with store.unit_of_work(clock.now()) as uow:
        assert uow.record_incoming("rt", "txn-1", {"n": 2}) is False
        assert uow.record_incoming("jira", "txn-1", {"n": 3}) is True  # ids are per source
        assert uow.queue_outgoing("email:<m1@baton>", "email", {"to": "b@example.com"}) is False
    with store.engine.connect() as connection:
        assert connection.execute(select(inbox.c.payload).where(inbox.c.source == "rt")).scalar_one() == {"n": 1}
        assert connection.execute(select(outbox.c.payload)).scalar_one() == {"to": "a@example.com"}


def test_timers_start_move_and_cancel(store, clock):
    due = clock.now() + timedelta(hours=2)
    with store.unit_of_work(clock.now()) as uow:
        uow.set_timer("accept:h1", KEY, "acceptance-timeout", due, handoff_id="h1")
        uow.set_timer("accept:h1", KEY, "acceptance-timeout", due + timedelta(hours=1), handoff_id="h1")
    with store.engine.connect() as connection:
        assert connection.execute(select(timers.c.due_at)).scalars().all() == [due + timedelta(hours=1)]
    with store.unit_of_work(clock.now()) as uow:
        uow.cancel_timer("accept:h1")
    with store.engine.connect() as connection:
        assert connection.execute(select(timers.c.id)).first() is None


@pytest.mark.parametrize("statement", [update(ledger_entries).values(reason="rewritten"), delete(ledger_entries)])
def test_the_ledger_is_append_only(service, statement):
    service.execute(RecordHolderChange(ticket=KEY, to_holder=Holder("Network"), by="x"))
    with pytest.raises(DBAPIError, match="append-only"), service.store.engine.begin() as connection:
        connection.execute(statement)
    assert len(service.ledger(KEY)) == 1


def test_two_receivers_racing_to_accept_one_request_move_the_ticket_once(service):
    from concurrent.futures import ThreadPoolExecutor

    from baton_itsm.core.errors import BatonError

    service.execute(RecordHolderChange(ticket=KEY, to_holder=Holder("Service Desk", "alice"), by="alice"))
    service.execute(RequestHandoff(ticket=KEY, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="r"))

    def accept(person):
        try:
            service.execute(AcceptHandoff(ticket=KEY, handoff_id="h1", by=person))
            return "ok"
        except BatonError as error:
            return type(error).__name__

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(accept, ["carol", "frank"]))
    assert outcomes[1] == "ok" and outcomes[0] in ("InvalidTransition", "ConcurrentChange")
    assert [e.event.entry_type for e in service.ledger(KEY)].count("applied") == 1


def test_bulk_insert_writes_shared_values_as_literals_whatever_they_hold(store, database_url):
    """A value the same in every row is written into the statement; quotes and percent signs stay text."""
    from baton_itsm.core.store.bulk import open_bulk

    bulk = open_bulk(database_url)
    try:
        with bulk.transaction():
            bulk.executemany(
                bulk.insert_sql(
                    "checkpoints", ("instance",), value="it's 100% ?", updated_at=bulk.timestamp("2026-03-02 09:00:00")
                ),
                [("rt",), ("jira",)],
            )
        assert sorted(bulk.query("SELECT instance, value FROM checkpoints")) == [
            ("jira", "it's 100% ?"),
            ("rt", "it's 100% ?"),
        ]
    finally:
        bulk.close()
