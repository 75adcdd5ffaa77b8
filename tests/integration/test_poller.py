"""The poller on a real ledger store: checkpoints survive, an unreachable tool loses nothing, actions run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from baton_itsm.core.connector import Connector
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.errors import ToolUnavailable
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.store.checkpoints import Checkpoints
from baton_itsm.core.usecases.dispatcher import OutboxDispatcher
from baton_itsm.core.usecases.intake import Intake
from baton_itsm.core.usecases.poller import Poller
from baton_itsm.core.usecases.tool_actions import ToolActions, remember_tool_holder
from tests.integration.fake_connector import FakeConnector

SD = "Service Desk"


def moved(n: int, ticket: str, to: Holder, by: str = "bob") -> ToolEvent:
    return ToolEvent(
        ticket=TicketKey("rt", ticket),
        event_id=str(n),
        kind=ToolEventKind.HOLDER_CHANGED,
        at=datetime(2026, 3, 2, 8, n, tzinfo=UTC),
        actor=by,
        new_holder=to,
    )


def poller_for(store, clock, tool) -> Poller:
    dispatcher = OutboxDispatcher(store, {"tool": ToolActions({"rt": tool})}, clock)
    return Poller({"rt": tool}, Intake(store, RulesEngine(), clock), Checkpoints(store), dispatcher, clock)


def test_the_fake_honours_the_contract():
    assert isinstance(FakeConnector(), Connector)


def test_reads_every_page_and_keeps_the_checkpoint(store, clock):
    tool = FakeConnector(log=[moved(i, str(i), Holder(SD, "alice")) for i in range(1, 6)])
    report = poller_for(store, clock, tool).poll("rt")
    assert (report.events, report.new, report.before, report.after) == (5, 5, None, "5")
    assert Checkpoints(store).get("rt", clock.now()) == "5"
    tool.log.append(moved(6, "1", Holder(SD, "carol")))
    again = poller_for(store, clock, tool).poll("rt")  # a new process: the checkpoint comes from the store
    assert (again.before, again.events, again.after) == ("5", 1, "6")


def test_an_unreachable_tool_keeps_the_checkpoint_and_catches_up(store, clock):
    tool = FakeConnector(log=[moved(1, "1", Holder(SD, "alice"))])
    poller = poller_for(store, clock, tool)
    poller.poll("rt")
    tool.log += [moved(2, "1", Holder(SD, "carol")), moved(3, "2", Holder(SD, "bob"))]
    tool.failure = ToolUnavailable("GET /transactions: no answer")
    down = poller.poll("rt")
    assert down.error and "no answer" in down.error and down.after == "1"
    assert "kept checkpoint 1" in down.line()
    tool.failure = None
    back = poller.poll("rt")
    assert (back.before, back.events, back.new, back.after) == ("1", 2, 2, "3")


def test_a_repeated_read_is_taken_in_once(store, clock):
    tool = FakeConnector(log=[moved(1, "1", Holder(SD, "alice"))])
    poller = poller_for(store, clock, tool)
    poller.poll("rt")
    Checkpoints(store).set("rt", "0", clock.now())  # as if the process died before saving the checkpoint
    report = poller.poll("rt")
    assert (report.new, report.duplicates) == (0, 1)


def test_tool_actions_run_after_the_poll_and_retry_when_the_tool_is_down(store, clock):
    tool = FakeConnector(holders={"7": Holder(SD, "carol")})
    with store.unit_of_work(clock.now()) as uow:
        uow.queue_outgoing(
            "revert:rt:7:1",
            "tool",
            {
                "instance": "rt",
                "ticket_id": "7",
                "action": "set-holder",
                "holder": {"group": SD, "person": "alice"},
                "expected_holder": {"group": SD, "person": "carol"},
            },
        )
        uow.queue_outgoing(
            "note:rt:7:1", "tool", {"instance": "rt", "ticket_id": "7", "action": "add-note", "text": "put back"}
        )
    tool.failure = ToolUnavailable("PUT /ticket/{id}: no answer")
    poller = poller_for(store, clock, tool)
    first = poller.run_once()
    assert (first.dispatch.sent, first.dispatch.retrying) == (0, 2) and not first.ok
    tool.failure = None
    clock.advance(minutes=1)
    second = poller.run_once()
    assert second.dispatch.sent == 2 and second.ok
    assert tool.holders["7"] == Holder(SD, "alice") and tool.notes == [("7", "put back")]


def test_an_action_for_an_unconfigured_instance_fails_for_good(store, clock):
    with store.unit_of_work(clock.now()) as uow:
        uow.queue_outgoing("x", "tool", {"instance": "jira", "ticket_id": "1", "action": "reply", "text": "hi"})
    report = poller_for(store, clock, FakeConnector()).run_once()
    assert report.dispatch.failed == 1 and "no connector instance 'jira'" in report.dispatch.errors[0]


def test_replies_go_to_the_requester_channel_of_the_tool(store, clock):
    tool = FakeConnector()
    with store.unit_of_work(clock.now()) as uow:
        uow.queue_outgoing("r", "tool", {"instance": "rt", "ticket_id": "3", "action": "reply", "text": "carol has it"})
    assert poller_for(store, clock, tool).run_once().dispatch.sent == 1
    assert tool.replies == [("3", "carol has it")]


def test_a_written_holder_is_what_the_rules_see_in_the_tool_before_the_next_poll(store, clock):
    tool = FakeConnector(holders={"7": Holder(SD, "carol")})
    key = TicketKey("rt", "7")
    with store.unit_of_work(clock.now()) as uow:
        uow.save_facts(key, replace(uow.load_facts(key), tool_holder=Holder(SD, "carol")))  # the push, as seen
        uow.queue_outgoing(
            "revert",
            "tool",
            {
                "instance": "rt",
                "ticket_id": "7",
                "action": "set-holder",
                "holder": {"group": SD, "person": "alice"},
                "expected_holder": {"group": SD, "person": "carol"},
            },
        )
    actions = ToolActions({"rt": tool}, written=remember_tool_holder(store, clock))
    assert OutboxDispatcher(store, {"tool": actions}, clock).run_once().sent == 1
    with store.unit_of_work(clock.now()) as uow:
        assert uow.load_facts(key).tool_holder == Holder(SD, "alice")
