"""Convergence in the engine: the ledger follows what the tool shows, where its change log could not say it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton_itsm.core.domain.commands import AcceptHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.protocol_errors import ProtocolError
from baton_itsm.core.domain.tool_events import ToolEventKind

CREATED = ToolEventKind.CREATED


def pushed_to_network(desk):
    desk.tool(CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    desk.reassign("bob", "Network/carol")  # reverted; a request asks the Network queue
    return desk.ticket.open_handoff()


def test_a_holder_the_tool_shows_and_no_write_explains_is_followed_with_a_reconciling_entry(make_desk):
    desk = make_desk()
    desk.tool(CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    decisions = desk.observe("Service Desk/bob")  # a change Baton's account could not see
    assert desk.entries(decisions) == ["holder-changed"]
    assert decisions.events[0].cause == "reconciled" and decisions.events[0].by is None
    assert desk.ticket.holder == Holder("Service Desk", "bob")
    assert desk.tool_actions(decisions) == [], "Baton never acts on a holder it only inferred"


def test_while_a_write_of_batons_is_under_way_the_tool_is_not_followed(make_desk):
    desk = make_desk()
    pushed_to_network(desk)
    decisions = desk.observe("Network/carol", awaiting_write=True)  # the revert is not done yet
    assert desk.entries(decisions) == [] and desk.ticket.holder == Holder("Service Desk", "alice")


def test_a_failed_revert_leaves_the_ticket_with_the_receiver_and_their_request_is_withdrawn(make_desk):
    desk = make_desk()
    request = pushed_to_network(desk)
    decisions = desk.observe("Network/carol")  # RT refused the revert: carol still has it
    assert desk.entries(decisions) == ["holder-changed", "withdrawn"]
    assert desk.ticket.handoff(request.handoff_id).state is HandoffState.WITHDRAWN
    assert desk.ticket.holder == Holder("Network", "carol")


def test_a_held_push_is_left_standing_while_its_request_waits(make_desk):
    desk = make_desk(push_mode="hold")
    pushed_to_network(desk)
    assert desk.entries(desk.observe("Network/carol")) == []
    assert desk.ticket.holder == Holder("Service Desk", "alice") and desk.ticket.open_handoff() is not None


def test_a_deleted_ticket_loses_its_request_once_and_can_no_longer_be_moved(make_desk):
    desk = make_desk()
    request = pushed_to_network(desk)
    decisions = desk.tool(ToolEventKind.DELETED, "alice", status="deleted")
    assert desk.entries(decisions) == ["withdrawn", "ticket-lost"]
    assert ("handoff-withdrawn", ("Network",)) in desk.notices(decisions), "the receiver is told"
    assert desk.notes(decisions) == [], "no note on a ticket Baton lost"
    assert desk.entries(desk.observe(None, lost="deleted")) == []
    accept = AcceptHandoff(ticket=desk.key, handoff_id=request.handoff_id, by="carol")
    with pytest.raises(ProtocolError, match="deleted"):
        desk.command(accept)


def test_a_hidden_ticket_seen_again_is_followed_from_where_it_is(make_desk):
    desk = make_desk()
    pushed_to_network(desk)
    assert desk.entries(desk.observe(None, lost="hidden")) == ["withdrawn", "ticket-lost"]
    assert desk.ticket.lost == "hidden"
    decisions = desk.observe("Service Desk/alice")  # back where the ledger left it
    assert desk.entries(decisions) == ["ticket-found"] and desk.ticket.lost is None
    desk.observe(None, lost="hidden")
    decisions = desk.observe("Network/carol")  # back, somewhere else
    assert desk.entries(decisions) == ["holder-changed"] and desk.ticket.holder == Holder("Network", "carol")


def test_batons_own_write_on_a_deleted_ticket_does_not_bring_it_back(make_desk):
    desk = make_desk()
    pushed_to_network(desk)
    desk.tool(ToolEventKind.DELETED, "alice", status="deleted")
    assert desk.entries(desk.reassign("baton", "Service Desk/alice")) == []
    assert desk.ticket.lost == "deleted"


def test_an_owner_moving_her_ticket_to_a_group_not_hers_pushes_it_there(make_desk):
    desk = make_desk()
    desk.tool(CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    decisions = desk.reassign("alice", "Network/alice")
    assert desk.entries(decisions) == ["rule:reverted", "requested"]
    assert desk.ticket.open_handoff().to_holder == Holder("Network")


def test_a_push_to_someone_outside_the_group_asks_the_groups_queue(make_desk):
    desk = make_desk()
    desk.tool(CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    decisions = desk.reassign("bob", "Service Desk/erin")  # erin: no member of Service Desk
    assert desk.entries(decisions) == ["rule:reverted", "requested"]
    request = desk.ticket.open_handoff()
    assert request.to_holder == Holder("Service Desk")
    (note,) = desk.notes(decisions)
    assert request.handoff_id in note and "the Service Desk queue" in note


def test_a_push_no_request_can_be_made_for_is_flagged_and_names_no_request(make_desk):
    desk = make_desk()
    desk.tool(CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk")  # the queue holds it
    decisions = desk.reassign("bob", "Service Desk/erin")  # the request would go to the queue that holds it
    assert desk.entries(decisions) == ["rule:flagged", "holder-changed"]
    assert decisions.events[0].handoff_id is None and "flagged:" in decisions.events[0].reason
    assert desk.tool_actions(decisions) == [] and desk.ticket.open_handoff() is None


def notes_so_far(desk) -> list[str]:
    return [o.payload.get("text") or o.payload.get("note") for o in desk.outbox if o.channel == "tool"]


def test_an_acceptance_reminder_and_an_expiry_are_noted_in_the_ticket_once(make_desk, clock):
    desk = make_desk(leads={"Network": "erin"})
    request = pushed_to_network(desk)
    desk.run_until(clock.now() + timedelta(hours=2))  # the acceptance reminder, then the expiry
    notes = notes_so_far(desk)
    assert (
        sum(f"Reminder: handoff request {request.handoff_id} still waits for the Network queue" in n for n in notes)
        == 1
    )
    assert sum(f"{request.handoff_id} to the Network queue expired" in n for n in notes) == 1


def test_a_stale_reminder_and_escalation_are_noted_once_naming_the_escalations_request(make_desk, clock):
    desk = make_desk(escalates_to={"Network": "Vendor"}, leads={"Network": "erin"})
    desk.tool(CREATED, "tina", "Triage")
    desk.reassign("tina", "Network/carol")
    desk.run_until(clock.now() + timedelta(hours=8, minutes=10))  # no update: reminded at 4 h, escalated at 8 h
    notes = notes_so_far(desk)
    escalation = desk.ticket.open_handoff()
    assert escalation.requested_by == "rule:stale"
    assert sum("Reminder to carol (Network)" in n for n in notes) == 1
    (escalated,) = [n for n in notes if n.startswith("Escalated:")]
    assert f"handoff request {escalation.handoff_id} asks the Vendor queue" in escalated
    assert not any(n.startswith("rule:stale asks") for n in notes), "its request is not noted a second time"
