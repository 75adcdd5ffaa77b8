"""Accept-before-reassign, queue-first and category routing, rule by rule and exemption by exemption."""

from __future__ import annotations

import pytest

from baton_itsm.core.domain.commands import AcceptHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind, HandoffState
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.rules.policy import Route

CREATED, CHANGED = ToolEventKind.CREATED, ToolEventKind.HOLDER_CHANGED


def held_by_alice(desk):
    desk.tool(CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")  # first assignment out of triage
    return desk


def test_a_push_is_reverted_then_accepted_two_bounces_avoided_one_recorded(make_desk):
    desk = held_by_alice(make_desk())
    push = desk.reassign("bob", "Network/carol")
    assert desk.entries(push) == ["rule:reverted", "requested"]
    assert desk.tool_actions(push) == [("set-holder", "Service Desk/alice")]
    request = desk.ticket.open_handoff()
    (note,) = desk.notes(push)  # posted with the revert, once the ticket is back: one note per push
    assert f"Handoff request {request.handoff_id} now asks the Network queue" in note
    assert request.to_holder == Holder("Network"), "queue-first: the request goes to carol's group queue"
    assert ("handoff-request", ("Network",)) in desk.notices(push)
    assert desk.ticket.holder == Holder("Service Desk", "alice")

    echo = desk.echo_baton_write()  # the tool reports Baton's own revert
    assert desk.entries(echo) == [] and desk.tool_actions(echo) == []

    accepted = desk.command(AcceptHandoff(ticket=desk.key, handoff_id=request.handoff_id, by="carol"))
    assert desk.entries(accepted) == ["accepted", "applied"]
    assert desk.tool_actions(accepted) == [("set-holder", "Network/carol"), ("add-note", "")]
    assert ("status-update", ("requester",)) in desk.notices(accepted)
    assert desk.echo_baton_write().events == []
    # Without Baton: alice -> carol (push) -> alice (bounced back) -> carol: three bounces in the tool.
    # With Baton: the push and the revert are not changes of hands; the accepted handoff is the one bounce.
    assert desk.ticket.bounces == 1


def test_a_pull_needs_no_request(make_desk):
    desk = held_by_alice(make_desk())
    decisions = desk.reassign("carol", "Network/carol")
    assert desk.entries(decisions) == ["holder-changed"]
    assert decisions.events[0].cause == "pull"
    assert desk.tool_actions(decisions) == [] and desk.ticket.open_handoff() is None


def test_a_receiver_doing_in_the_tool_what_a_request_asked_accepts_it(make_desk):
    desk = held_by_alice(make_desk())
    desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch")
    )
    decisions = desk.reassign("frank", "Network/frank")
    assert desk.entries(decisions) == ["accepted", "applied"]
    assert desk.ticket.handoff("h1").state is HandoffState.APPLIED
    assert desk.tool_actions(decisions) == [("add-note", "")], "the tool already shows frank: only a note"
    assert desk.notes(decisions) == ["frank accepted handoff request h1; Baton moves the ticket to Network/frank."]


def test_a_managers_reassignment_is_a_recorded_force(make_desk):
    desk = held_by_alice(make_desk())
    decisions = desk.reassign("erin", "Network/carol")
    assert desk.entries(decisions) == ["forced", "applied"]
    assert decisions.events[0].by == "erin" and desk.tool_actions(decisions) == [("add-note", "")]


@pytest.mark.parametrize(
    ("setting", "actor", "holder", "cause"),
    [
        ({}, "alice", "Service Desk", "release"),  # back to her own group's queue
        ({"exempt_groups": frozenset({"Vendor"})}, "bob", "Vendor/vic", "exempt"),
        ({}, "baton", "Network/carol", "baton"),  # Baton's account, for no decision: recorded, not fought
    ],
)
def test_exemptions_are_recorded_not_reverted(make_desk, setting, actor, holder, cause):
    desk = held_by_alice(make_desk(**setting))
    decisions = desk.reassign(actor, holder)
    assert [(e.entry_type, e.cause) for e in decisions.events] == [("holder-changed", cause)]
    assert desk.tool_actions(decisions) == []


def test_the_first_assignment_out_of_triage_is_not_a_violation(make_desk):
    desk = make_desk()
    desk.tool(CREATED, "tina", "Triage")
    decisions = desk.reassign("tina", "Network/carol")
    assert [(e.entry_type, e.cause) for e in decisions.events] == [("holder-changed", "triage")]
    assert desk.ticket.bounces == 0, "leaving triage is the first assignment"
    assert desk.tool_actions(decisions) == []
    second = desk.reassign("tina", "Desktop/gina")  # out of triage already: now it is a push
    assert desk.entries(second)[0] == "rule:reverted"


def test_hold_leaves_the_push_opens_the_request_and_escalates_if_unaccepted(make_desk, clock):
    desk = held_by_alice(make_desk(push_mode="hold", acceptance_after=60.0, leads={"Network": "erin"}))
    decisions = desk.reassign("bob", "Network/carol")
    assert desk.entries(decisions) == ["rule:held", "requested"]
    assert desk.tool_actions(decisions) == [("add-note", "")], "hold leaves the ticket where it was pushed"
    handoff_id = desk.ticket.open_handoff().handoff_id
    fired = desk.run_until(clock.now().replace(hour=11))
    assert [kind for _, kind in fired] == ["acceptance-reminder", "acceptance-timeout"]
    assert desk.ticket.handoff(handoff_id).state is HandoffState.EXPIRED
    assert ("request-expired", ("bob", "erin")) in desk.notices(desk_last(desk))


def desk_last(desk):
    from baton_itsm.core.rules.decisions import Decisions

    return Decisions(outgoing=desk.outbox)


def test_flag_records_the_push_and_lets_it_stand(make_desk):
    desk = held_by_alice(make_desk(push_mode="flag"))
    decisions = desk.reassign("bob", "Network/carol")
    assert desk.entries(decisions) == ["rule:flagged", "holder-changed"]
    assert desk.ticket.holder == Holder("Network", "carol") and desk.ticket.bounces == 1


def test_the_mode_can_be_set_per_receiving_group(make_desk):
    desk = held_by_alice(make_desk(push_mode_per_group={"Desktop": "flag"}))
    assert desk.entries(desk.reassign("bob", "Desktop/gina"))[0] == "rule:flagged"


def test_a_push_within_the_group_goes_to_the_named_person(make_desk):
    desk = held_by_alice(make_desk())
    decisions = desk.reassign("frank", "Service Desk/bob")
    assert desk.entries(decisions) == ["rule:reverted", "requested"]
    assert desk.ticket.open_handoff().to_holder == Holder("Service Desk", "bob")


@pytest.mark.parametrize(
    ("direct", "receiver"),
    [(frozenset(), Holder("Network")), (frozenset({("Service Desk", "Network")}), Holder("Network", "carol"))],
)
def test_queue_first_redirects_cross_group_requests_unless_the_pair_is_allowed(make_desk, direct, receiver):
    desk = held_by_alice(make_desk(direct_pairs=direct))
    desk.command(
        RequestHandoff(
            ticket=desk.key, handoff_id="h1", to_holder=Holder("Network", "carol"), by="alice", reason="needs carol"
        )
    )
    assert desk.ticket.handoff("h1").to_holder == receiver


def test_category_routing_sends_a_new_ticket_straight_to_its_group(make_desk):
    desk = make_desk(routing={"hardware": Route("Desktop", HandoffKind.TECHNICAL)})
    decisions = desk.tool(CREATED, "tina", "Triage", category="hardware")
    assert desk.entries(decisions) == ["holder-changed", "forced", "applied", "rule:routed"]
    assert desk.ticket.holder == Holder("Desktop")
    assert desk.tool_actions(decisions) == [("set-holder", "Desktop"), ("add-note", "")]
    assert decisions.events[1].by == "rule:category-routing" and decisions.events[1].kind is HandoffKind.TECHNICAL


def test_a_replayed_push_makes_the_same_request_id(make_desk):
    first = held_by_alice(make_desk())
    second = held_by_alice(make_desk())
    first.reassign("bob", "Network/carol")
    second.reassign("bob", "Network/carol")
    assert first.ticket.open_handoff().handoff_id == second.ticket.open_handoff().handoff_id


def test_an_accept_before_the_revert_is_seen_adds_no_holder_changes(make_desk):
    desk = held_by_alice(make_desk())
    desk.reassign("bob", "Network/carol")  # the push; the revert is queued
    request = desk.ticket.open_handoff()
    desk.command(AcceptHandoff(ticket=desk.key, handoff_id=request.handoff_id, by="carol"))  # before the revert ran
    # The tool then reports Baton's own writes: the revert (to alice) and the apply (to carol).
    assert desk.reassign("baton", "Service Desk/alice").events == []
    assert desk.reassign("baton", "Network/carol").events == []
    assert desk.ticket.holder == Holder("Network", "carol") and desk.ticket.bounces == 1


def test_baton_s_account_used_for_something_no_decision_asked_is_recorded(make_desk):
    desk = held_by_alice(make_desk())
    decisions = desk.reassign("baton", "Desktop/gina")
    assert [(e.entry_type, e.cause) for e in decisions.events] == [("holder-changed", "baton")]


def test_a_receiver_naming_someone_else_in_the_tool_accepts_at_the_holder_the_tool_shows(make_desk):
    """Found by the model test: the acceptance used to go through the holder an accept in Baton would pick (carol,
    the member who acted) and then a pull to frank: a holder the tool never had, and two bounces for one move."""
    desk = held_by_alice(make_desk())
    desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch")
    )
    decisions = desk.reassign("carol", "Network/frank")  # carol, of Network, takes the request and names frank
    assert desk.entries(decisions) == ["accepted", "applied"]
    assert decisions.events[-1].to_holder == Holder("Network", "frank")
    assert desk.ticket.holder == Holder("Network", "frank")
    assert ("set-holder", "Network/carol") not in desk.tool_actions(decisions)
    assert desk.ticket.bounces == 1, "Service Desk/alice -> Network/frank is one change of hands"


def test_a_managers_move_no_handoff_may_name_still_withdraws_the_open_request(make_desk):
    """Found by the model test: dana moving the ticket to carol, who is not in Service Desk, is a manager's move
    (followed, not reverted), but the request it supersedes stayed open."""
    desk = held_by_alice(make_desk())
    desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch")
    )
    decisions = desk.reassign("dana", "Service Desk/carol")
    assert desk.ticket.holder == Holder("Service Desk", "carol")
    assert desk.ticket.handoff("h1").state is HandoffState.WITHDRAWN
    assert desk.ticket.open_handoff() is None
    assert "withdrawn" in desk.entries(decisions)
