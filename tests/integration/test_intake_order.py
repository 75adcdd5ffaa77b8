"""A ticket's deliveries are handled in the order they were kept, whichever process takes them.

The fault test found it (scripts/fault_test.py, two processes on PostgreSQL, 75 of 2,500 tickets): a process
claims a batch of deliveries under a lease and handles them one by one; a delivery kept later for the same
ticket, not in that batch, was claimed and handled meanwhile by the other process, or by the same process
restarted while the dead one's lease ran. bob's push was then handled before alice took the ticket: the ledger
recorded a first assignment to carol and then alice's take as a pull, and the push was never reverted.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.usecases.intake import MAX_ATTEMPTS
from tests.integration.test_intake_and_scheduler import make_desk

SEVEN, EIGHT = TicketKey("rt", "7"), TicketKey("rt", "8")


@pytest.fixture
def desk(store, clock):
    return make_desk(store, clock)


def change(clock, ticket: TicketKey, event_id: str, actor: str, old: str | None, new: str) -> ToolEvent:
    return ToolEvent(
        ticket=ticket,
        event_id=event_id,
        kind=ToolEventKind.HOLDER_CHANGED,
        at=clock.now(),
        actor=actor,
        old_holder=Holder.parse(old) if old else None,
        new_holder=Holder.parse(new),
    )


def take_then_push(intake, clock, ticket: TicketKey, prefix: str) -> None:
    """alice takes the ticket, then bob pushes it to carol in Network: two deliveries, kept in that order."""
    intake.receive("rt", f"{prefix}-take", [change(clock, ticket, f"{prefix}-1", "alice", None, "Service Desk/alice")])
    intake.receive(
        "rt", f"{prefix}-push", [change(clock, ticket, f"{prefix}-2", "bob", "Service Desk/alice", "Network/carol")]
    )


def shape(service, ticket: TicketKey) -> list[str]:
    return [
        f"{e.event.entry_type} {getattr(e.event, 'cause', '') or getattr(e.event, 'outcome', '')}".strip()
        for e in service.ledger(ticket)
    ]


def rounds(intake) -> int:
    """What the inbox worker of `baton run` does: rounds while a round finds work; how many it handled."""
    handled = 0
    while new := intake.process_pending().new:
        handled += new
    return handled


IN_ORDER = ["holder-changed first-seen", "rule reverted", "requested"]


def test_a_later_delivery_waits_while_another_process_holds_the_ticket_s_earlier_one(desk, clock):
    intake, _, service = desk
    take_then_push(intake, clock, SEVEN, "seven")
    take_then_push(intake, clock, EIGHT, "eight")
    assert len(intake._claim(1)) == 1  # process A claims rt:7's take, then dies (or is still busy)

    assert rounds(intake) == 2  # process B, meanwhile: rt:8's two deliveries
    assert shape(service, SEVEN) == [], "rt:7's push must wait for its take"
    assert shape(service, EIGHT) == IN_ORDER, "another ticket's deliveries are not held back"

    clock.advance(minutes=3)  # A's lease has run out: its delivery is taken again, then the one that waited
    assert rounds(intake) == 2
    assert shape(service, SEVEN) == IN_ORDER
    with intake.store.engine.connect() as connection:
        keys = set(connection.execute(select(outbox.c.idempotency_key).where(outbox.c.channel == "tool")).scalars())
    assert {"revert:rt:7:seven-2", "revert:rt:8:eight-2"} <= keys


def take_fails(intake, monkeypatch) -> None:
    handle = intake.engine.on_tool_event

    def failing_take(ticket, event, *args, **kwargs):
        if event.event_id == "seven-1":
            raise RuntimeError("engine bug")
        return handle(ticket, event, *args, **kwargs)

    monkeypatch.setattr(intake.engine, "on_tool_event", failing_take)


def test_in_one_batch_a_ticket_s_deliveries_after_one_that_failed_wait(desk, clock, monkeypatch):
    intake, _, service = desk
    take_then_push(intake, clock, SEVEN, "seven")
    take_then_push(intake, clock, EIGHT, "eight")
    take_fails(intake, monkeypatch)
    report = intake.process_pending()
    assert (report.new, report.failed) == (2, 1)
    assert shape(service, SEVEN) == [], "rt:7's push must wait for its take, which failed"
    assert shape(service, EIGHT) == IN_ORDER


def test_a_failing_delivery_holds_its_ticket_s_next_one_back_until_it_is_parked(desk, clock, monkeypatch):
    intake, _, service = desk
    take_then_push(intake, clock, SEVEN, "seven")
    take_fails(intake, monkeypatch)
    for _ in range(MAX_ATTEMPTS - 1):
        report = intake.process_pending()
        assert (report.new, report.failed) == (0, 1)
        assert shape(service, SEVEN) == []
        clock.advance(hours=1)
    report = intake.process_pending()  # the take's last attempt parks it
    assert (report.new, report.failed) == (0, 1)
    clock.advance(minutes=3)  # the push, claimed with it in that batch and skipped, is free again
    assert rounds(intake) == 1
    assert shape(service, SEVEN) == ["holder-changed first-seen"]  # the push, seen first: what can be known
