"""The dispatcher's tool handler: a holder write that a later decision superseded is skipped."""

from __future__ import annotations

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.usecases.dispatcher import OutboxItem, is_repeatable
from baton_itsm.core.usecases.tool_actions import ToolActions


class Tool:
    instance = "rt"

    def __init__(self):
        self.writes = []

    def set_holder(self, ticket_id, holder, expected=None):
        self.writes.append((ticket_id, holder, expected))

    def add_note(self, ticket_id, text):
        self.writes.append((ticket_id, text))


def item(action="set-holder", **payload):
    return OutboxItem(1, "k", "tool", {"instance": "rt", "ticket_id": "7", "action": action, **payload}, 0)


def test_a_revert_superseded_by_an_accept_is_not_written():
    tool = Tool()
    ledger = {TicketKey("rt", "7"): Holder("Network", "carol")}  # carol accepted after the push was reverted
    actions = ToolActions({"rt": tool}, governing=ledger.get)
    revert = item(
        holder={"group": "Service Desk", "person": "alice"}, expected_holder={"group": "Network", "person": "carol"}
    )
    apply = item(holder={"group": "Network", "person": "carol"}, expected_holder=None)
    actions(revert)
    actions(apply)
    assert tool.writes == [("7", Holder("Network", "carol"), None)]


def test_holder_writes_are_repeatable_notes_are_not():
    actions = ToolActions({"rt": Tool()})
    assert is_repeatable(actions, item(holder={"group": "Network", "person": None}))
    assert not is_repeatable(actions, item("add-note", text="why"))
