"""`/baton handoff` and `/baton withdraw`: asking for a handoff from inside the tool, with a reason and a summary,
refused with a reply where the protocol refuses it; the requester hears nothing until a receiver accepts."""

from __future__ import annotations

import pytest

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind, HandoffState
from baton_itsm.core.rules.comment_asks import parse_ask
from tests.unit.test_rules_accept_before_reassign import held_by_alice

ASK = "/baton handoff Network/carol kind=technical switch port dead -- re-patched, tested with a laptop"


@pytest.mark.parametrize(
    ("words", "receiver", "kind", "reason", "summary"),
    [
        (
            "Network/carol kind=technical switch port dead -- re-patched, tested with a laptop",
            Holder("Network", "carol"),
            HandoffKind.TECHNICAL,
            "switch port dead",
            "re-patched, tested with a laptop",
        ),
        ("Network printer jams", Holder("Network"), HandoffKind.REASSIGN, "printer jams", ""),
        ("Vendor kind=Vendor RMA needed --", Holder("Vendor"), HandoffKind.VENDOR, "RMA needed", ""),
        (
            "Desktop a--b is one word -- tried a-b",
            Holder("Desktop"),
            HandoffKind.REASSIGN,
            "a--b is one word",
            "tried a-b",
        ),
        (
            '"Service Desk/bob" kind=administrative-service contract question',
            Holder("Service Desk", "bob"),
            HandoffKind.ADMINISTRATIVE_SERVICE,
            "contract question",
            "",
        ),
    ],
)
def test_the_handoff_comment_reads_receiver_kind_reason_and_summary(words, receiver, kind, reason, summary):
    ask = parse_ask(words)
    assert (ask.receiver, ask.kind, ask.reason, ask.summary) == (receiver, kind, reason, summary)


def test_a_handoff_comment_opens_the_request_with_its_summary_and_tells_only_the_receiver(make_desk):
    desk = held_by_alice(make_desk())
    decisions = desk.comment("alice", ASK)
    assert desk.entries(decisions) == ["requested"]
    requested = decisions.events[0]
    # queue first: a cross-group request for a person goes to the group's queue
    assert (requested.by, requested.to_holder, requested.kind) == ("alice", Holder("Network"), HandoffKind.TECHNICAL)
    assert (requested.reason, requested.summary) == ("switch port dead", "re-patched, tested with a laptop")
    assert desk.notices(decisions) == [("handoff-request", ("Network",))], "the requester hears nothing yet"
    assert desk.notes(decisions) == [
        f"@alice: handoff request {requested.handoff_id} asks Network to take this "
        "ticket (queue first: it goes to the group's queue); it moves when they "
        "accept. Withdraw it with `/baton withdraw`."
    ]
    assert desk.ticket.holder == Holder("Service Desk", "alice"), "nothing moves before acceptance"
    accepted = desk.comment("carol", "/baton accept")
    assert desk.entries(accepted)[:2] == ["accepted", "applied"]
    assert ("status-update", ("requester",)) in desk.notices(accepted), "the requester hears once it is accepted"


@pytest.mark.parametrize(
    ("comment", "refusal"),
    [
        ("/baton handoff Facilities cabling -- checked", "unknown group 'Facilities'"),
        ("/baton handoff Network/gina cabling -- checked", "gina is not a member of Network"),
        ("/baton handoff Network -- checked", "a handoff request needs a reason"),
        ("/baton handoff Service Desk/alice x", "unknown group 'Service'"),
        ("/baton handoff Network kind=urgent cabling", "kind 'urgent' is not one of"),
        ("/baton handoff", "say who should take the ticket"),
    ],
)
def test_a_handoff_comment_the_protocol_refuses_gets_a_reply_saying_why(make_desk, comment, refusal):
    desk = held_by_alice(make_desk())
    decisions = desk.comment("alice", comment)
    assert decisions.events == [] and desk.ticket.open_handoff() is None
    reply = desk.notes(decisions)[0]
    assert reply.startswith("@alice: Baton could not do this: ") and refusal in reply
    assert "/baton handoff GROUP[/PERSON]" in reply, "the reply shows how to write it"


def test_a_second_handoff_comment_is_refused_while_one_is_open(make_desk):
    desk = held_by_alice(make_desk())
    desk.comment("alice", ASK)
    again = desk.comment("alice", "/baton handoff Desktop printer -- none")
    assert again.events == [] and "already has an open handoff" in desk.notes(again)[0]


def test_withdraw_by_comment_takes_back_the_open_request_and_tells_the_receiver(make_desk):
    desk = held_by_alice(make_desk())
    handoff_id = desk.comment("alice", ASK).events[0].handoff_id
    refused = desk.comment("frank", "/baton withdraw")
    assert refused.events == [] and "frank cannot withdraw" in desk.notes(refused)[0]
    withdrawn = desk.comment("alice", "/baton withdraw fixed it myself")
    assert desk.entries(withdrawn) == ["withdrawn"] and withdrawn.events[0].reason == "fixed it myself"
    assert desk.ticket.handoff(handoff_id).state is HandoffState.WITHDRAWN
    assert desk.notices(withdrawn) == [("handoff-withdrawn", ("Network",))]
    nothing = desk.comment("alice", "/baton withdraw")
    assert "no open handoff request" in desk.notes(nothing)[0]
