"""A batch starts from the tickets this process last committed, not from a re-read of their ledgers, only while no
one else has written them: another process's entries, or this one's rolled-back batch, send it back to the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from baton_itsm.core.domain.commands import RecordHolderChange
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.inbox_claims import ticket_rows
from baton_itsm.core.store.unit_of_work import Store

KEY = TicketKey("rt", "42")


def move(store: Store, clock, directory, to: Holder, *, fail: bool = False) -> None:
    """What an inbox round does: preload, decide on the ticket, write in a batch (and fail, if told, after)."""
    with store.unit_of_work(clock.now()) as uow:
        uow.preload(ticket_rows(uow.connection, [KEY]))
        with uow.batched():
            ticket = uow.load_ticket(KEY)
            uow.append(
                ticket,
                decide(
                    ticket,
                    RecordHolderChange(ticket=KEY, to_holder=to, by=to.person),
                    now=clock.now(),
                    directory=directory,
                ),
            )
        if fail:
            raise RuntimeError("the round failed after its writes")


def round_start(store: Store, clock):
    """The ticket a round would start from, and the statements (with their parameters) reading it took."""
    statements = []

    def seen(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store.unit_of_work(clock.now()) as uow:
            uow.preload(ticket_rows(uow.connection, [KEY]))
            ticket = uow.load_ticket(KEY)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    return ticket, statements


def holder_seen_by(store: Store, clock) -> tuple[Holder | None, int, bool]:
    """The ticket a round would start from, its version, and whether the ledger was read for it."""
    ticket, statements = round_start(store, clock)
    return ticket.holder, ticket.version, any("ledger_entries" in statement for statement, _ in statements)


@pytest.fixture
def other_process(database_url):
    """A second store on the same database, as another `baton run` (or `baton handoff`) would have."""
    engine = make_engine(database_url)
    yield Store(engine)
    engine.dispose()


ALICE, BOB, CAROL = Holder("Service Desk", "alice"), Holder("Service Desk", "bob"), Holder("Network", "carol")


def test_a_ticket_this_process_committed_is_not_read_again(store, clock, directory):
    move(store, clock, directory, ALICE)
    move(store, clock, directory, BOB)
    assert holder_seen_by(store, clock) == (BOB, 2, False)


def test_another_process_writing_the_ticket_sends_the_next_round_to_the_ledger(store, other_process, clock, directory):
    move(store, clock, directory, ALICE)
    move(other_process, clock, directory, BOB)
    assert holder_seen_by(store, clock) == (BOB, 2, True)
    move(store, clock, directory, CAROL)  # decided on bob's ticket, as the ledger has it
    assert holder_seen_by(other_process, clock) == (CAROL, 3, True)
    assert holder_seen_by(store, clock) == (CAROL, 3, False)


def test_a_rolled_back_round_leaves_the_ticket_as_committed(store, clock, directory):
    move(store, clock, directory, ALICE)
    with pytest.raises(RuntimeError):
        move(store, clock, directory, BOB, fail=True)
    assert holder_seen_by(store, clock) == (ALICE, 1, False)


def test_a_ticket_another_process_wrote_is_caught_up_from_its_newer_entries_only(
    store, other_process, clock, directory
):
    move(store, clock, directory, ALICE)
    move(store, clock, directory, BOB)  # kept here at version 2
    move(other_process, clock, directory, CAROL)  # version 3, written elsewhere
    ticket, statements = round_start(store, clock)
    asked = [parameters for statement, parameters in statements if "ledger_entries" in statement]
    assert len(asked) == 1 and 2 in (asked[0].values() if isinstance(asked[0], dict) else asked[0]), asked
    with other_process.unit_of_work(clock.now()) as uow:  # the same ticket, rebuilt from its whole ledger
        whole = uow.load_ticket(KEY)
    assert (ticket.holder, ticket.version, ticket.holders, ticket.bounces) == (
        whole.holder,
        whole.version,
        whole.holders,
        whole.bounces,
    )
    assert (ticket.holder, ticket.version) == (CAROL, 3)
