"""Convergence through the store, the dispatcher and the poller (SQLite and PostgreSQL): a tool action that fails
for good is recorded against its decision, told, logged, and the next poll brings the ledger to the tool's holder."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from baton_itsm.core.domain.commands import AcceptHandoff
from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.store.checkpoints import Checkpoints
from baton_itsm.core.store.schema import inbox, outbox
from baton_itsm.core.usecases.action_failures import FailedActions
from baton_itsm.core.usecases.dispatcher import OutboxDispatcher
from baton_itsm.core.usecases.handoffs import HandoffService
from baton_itsm.core.usecases.intake import Intake
from baton_itsm.core.usecases.poller import Poller
from baton_itsm.core.usecases.tool_actions import (
    ToolActions,
    ledger_holder,
    notes_after_writes,
    remember_tool_holder,
    superseded_writes,
)
from tests.integration.fake_connector import FakeConnector

SD, NETWORK = "Service Desk", "Network"
KEY = TicketKey("rt", "7")
DIRECTORY = Directory.of({SD: ({"alice", "bob"}, {"dana"}), NETWORK: ({"carol", "dave"}, {"erin"})})
POLICY = Policy(
    directory=DIRECTORY, instances=frozenset({"rt"}), accounts={"rt": "baton"}, leads={SD: "dana", NETWORK: "erin"}
)


def change(n: int, by: str, to: Holder | None, kind=ToolEventKind.HOLDER_CHANGED) -> ToolEvent:
    return ToolEvent(
        ticket=KEY, event_id=str(n), kind=kind, at=datetime(2026, 3, 2, 8, n, tzinfo=UTC), actor=by, new_holder=to
    )


def desk(store, clock, tool, policy=POLICY):
    engine = RulesEngine(policy)
    actions = ToolActions(
        {"rt": tool},
        written=remember_tool_holder(store, clock),
        governing=ledger_holder(store, clock),
        superseded=superseded_writes(store, clock),
        note_after_write=notes_after_writes(store, clock),
    )
    dispatcher = OutboxDispatcher(store, {"tool": actions}, clock, on_failed=FailedActions(store, policy, clock))
    poller = Poller({"rt": tool}, Intake(store, engine, clock), Checkpoints(store), dispatcher, clock)
    return poller, HandoffService(store, DIRECTORY, clock, engine)


def ledger(store, clock):
    with store.unit_of_work(clock.now()) as uow:
        return uow.load_ticket(KEY), [e.event for e in uow.ledger(KEY)]


def test_an_accept_the_tool_refuses_is_recorded_told_logged_and_the_ledger_follows_the_tool(store, clock, caplog):
    tool = FakeConnector(
        log=[change(1, "root", Holder(SD, "alice"), ToolEventKind.CREATED), change(2, "bob", Holder(NETWORK))],
        holders={"7": Holder(NETWORK)},
        refused_people={"dave"},
    )
    poller, handoffs = desk(store, clock, tool)
    poller.run_once()  # bob's push is put back and turned into a request to Network
    assert tool.holders["7"] == Holder(SD, "alice")
    ticket, _ = ledger(store, clock)
    handoffs.execute(AcceptHandoff(ticket=KEY, handoff_id=ticket.open_handoff().handoff_id, by="dave"))
    with caplog.at_level(logging.ERROR, logger="baton_itsm"):
        cycle = poller.run_once()  # the tool refuses dave

    assert cycle.ok and (cycle.dispatch.failed, cycle.dispatch.handled) == (1, 1)
    ticket, entries = ledger(store, clock)
    (failed,) = [e for e in entries if e.entry_type == "action-failed"]
    assert (failed.action, failed.to_holder) == ("apply", Holder(NETWORK, "dave")) and "dave" in failed.reason
    assert any("failed for good" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert [n for _, n in tool.notes if "could not move the ticket" in n], "the ticket says so"
    with store.engine.connect() as connection:
        told = connection.execute(select(outbox.c.payload).where(outbox.c.channel == "notify")).scalars().all()
    (email,) = [p for p in told if p["template"] == "action-failed"]
    assert email["to_people"] == ["dana", "dave", "erin"]  # who accepted, and the leads of both groups

    poller.run_once()  # the next poll reads the ticket again: the ledger follows the tool
    ticket, entries = ledger(store, clock)
    assert ticket.holder == tool.holders["7"] == Holder(SD, "alice")
    assert entries[-1].entry_type == "holder-changed" and entries[-1].cause == "reconciled"


def test_a_refused_accept_is_followed_at_the_next_poll_even_when_a_look_came_while_it_was_under_way(store, clock):
    """Found by the Jira model test (seed 166992): a sweep looked at the ticket while the accept's write was still
    to be done, and the ledger rightly skipped that look; the write was refused, and the next poll's look, in the
    same instant on the test's clock, was named like the skipped one and dropped as a duplicate. The ledger kept
    the holder the tool had refused, and Baton's next revert wrote it again."""
    tool = FakeConnector(
        log=[change(1, "root", Holder(SD, "alice"), ToolEventKind.CREATED), change(2, "bob", Holder(NETWORK))],
        holders={"7": Holder(NETWORK)},
        refused_people={"dave"},
    )
    poller, handoffs = desk(store, clock, tool)
    poller.sweep_every = 1  # every poll looks at every open ticket
    poller.run_once()
    ticket, _ = ledger(store, clock)
    handoffs.execute(AcceptHandoff(ticket=KEY, handoff_id=ticket.open_handoff().handoff_id, by="dave"))
    assert poller.poll("rt").observed == 0  # the tool shows alice, before the accept's write: not taken as news
    poller.dispatcher.run_once()  # the tool refuses dave
    poller.run_once()  # no time has passed
    ticket, entries = ledger(store, clock)
    assert ticket.holder == tool.holders["7"] == Holder(SD, "alice")
    assert [e.entry_type for e in entries][-2:] == ["action-failed", "holder-changed"]


def test_a_change_made_before_the_poll_after_a_refused_write_is_decided_from_where_the_tool_had_the_ticket(
    store, clock
):
    """The ledger holds the holder the tool refused until the next poll looks; a change someone makes before that
    look says where the tool had the ticket. Found by the Jira model test: decided from the refused holder, alice's
    push was reverted to dave, whom the tool refused again, and the ticket's notes named a holder it never had."""
    tool = FakeConnector(
        log=[change(1, "root", Holder(SD, "alice"), ToolEventKind.CREATED), change(2, "bob", Holder(NETWORK))],
        holders={"7": Holder(NETWORK)},
        refused_people={"dave"},
    )
    poller, handoffs = desk(store, clock, tool)
    poller.run_once()
    ticket, _ = ledger(store, clock)
    handoffs.execute(AcceptHandoff(ticket=KEY, handoff_id=ticket.open_handoff().handoff_id, by="dave"))
    poller.run_once()  # the tool refuses dave; the ledger has Network/dave until a look or a change says otherwise
    tool.holders["7"] = Holder(SD, "carol")  # alice gives it to carol, who is not in Service Desk: a push
    tool.log.append(
        ToolEvent(
            ticket=KEY,
            event_id="3",
            kind=ToolEventKind.HOLDER_CHANGED,
            at=datetime(2026, 3, 2, 8, 3, tzinfo=UTC),
            actor="alice",
            old_holder=Holder(SD, "alice"),
            new_holder=Holder(SD, "carol"),
        )
    )
    cycle = poller.run_once()

    ticket, entries = ledger(store, clock)
    assert cycle.dispatch.failed == 0, "the revert goes back to alice, not to dave again"
    assert tool.holders["7"] == ticket.holder == Holder(SD, "alice")
    after_failure = [(e.entry_type, getattr(e, "cause", None)) for e in entries][-4:]
    assert after_failure == [
        ("action-failed", None),
        ("holder-changed", "reconciled"),
        ("rule", None),
        ("requested", None),
    ]
    assert ticket.open_handoff().to_holder == Holder(SD) and ticket.open_handoff().from_holder == Holder(SD, "alice")


def test_a_held_push_looked_at_every_poll_is_taken_in_once(store, clock):
    tool = FakeConnector(
        log=[change(1, "root", Holder(SD, "alice"), ToolEventKind.CREATED), change(2, "bob", Holder(NETWORK))],
        holders={"7": Holder(NETWORK)},
    )
    held = Policy(**{**POLICY.__dict__, "push_mode": "hold"})
    poller, _ = desk(store, clock, tool, held)
    for _ in range(5):
        poller.run_once()
        clock.advance(minutes=1)
    ticket, _ = ledger(store, clock)
    assert ticket.open_handoff().to_holder == Holder(NETWORK) and tool.holders["7"] == Holder(NETWORK)
    with store.engine.connect() as connection:
        looks = connection.execute(select(inbox.c.event_id).where(inbox.c.event_id.like("observed:%"))).all()
    assert len(looks) == 1  # the tool and the ledger each the same at every look: one row, not one per poll


def test_a_ticket_with_an_open_request_that_vanishes_loses_the_request(store, clock):
    tool = FakeConnector(
        log=[change(1, "root", Holder(SD, "alice"), ToolEventKind.CREATED), change(2, "bob", Holder(NETWORK))],
        holders={"7": Holder(NETWORK)},
    )
    poller, _ = desk(store, clock, tool)
    poller.run_once()
    tool.lost["7"] = "hidden"
    poller.run_once()
    ticket, entries = ledger(store, clock)
    assert ticket.lost == "hidden" and ticket.open_handoff() is None
    assert [e.entry_type for e in entries][-2:] == ["withdrawn", "ticket-lost"]


def test_a_ticket_with_a_change_not_read_yet_is_not_observed_over_it(store, clock):
    tool = FakeConnector(
        log=[change(1, "root", Holder(SD, "alice"), ToolEventKind.CREATED), change(2, "bob", Holder(NETWORK))],
        holders={"7": Holder(NETWORK)},
        page=10,
    )
    poller, _ = desk(store, clock, tool)
    poller.run_once()
    tool.holders["7"] = Holder(NETWORK, "carol")  # carol takes it; Baton has not read that change yet
    tool.log.append(change(3, "carol", Holder(NETWORK, "carol")))
    assert tool.observe(["7"], "2") == {}
    poller.run_once()
    ticket, entries = ledger(store, clock)
    assert ticket.holder == Holder(NETWORK, "carol") and "reconciled" not in [getattr(e, "cause", "") for e in entries]


def test_a_revert_repeated_after_a_crash_that_followed_its_write_still_posts_its_note_once(store, clock):
    """Found by the fault test: killed after the tool took the revert and before its note was queued, the repeat
    found the holder already written and queued no note; the ticket never said why it was back."""
    tool = FakeConnector(
        log=[change(1, "root", Holder(SD, "alice"), ToolEventKind.CREATED), change(2, "bob", Holder(SD, "carol"))],
        holders={"7": Holder(SD, "carol")},
    )
    poller, _ = desk(store, clock, tool)
    poller.poll("rt")  # the revert (with its note) is decided, not yet done
    tool.holders["7"] = Holder(SD, "alice")  # the first attempt wrote it, then the process died
    with store.engine.begin() as connection:
        connection.execute(
            outbox.update()
            .where(outbox.c.idempotency_key.like("revert:%"))
            .values(status="sending", attempts=1, claimed_until=clock.now())
        )
    clock.advance(minutes=10)  # past the dead process's lease
    poller.run_once()
    poller.run_once()
    assert [n for _, n in tool.notes if "Baton put this ticket back" in n] and len(tool.notes) == 1
