"""The REST connector's calls on a real Request Tracker 5: what the profile assumes is what RT does."""

from __future__ import annotations

import pytest

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ToolConflict, ToolRefused
from tests.e2e.rt5 import Person, holder_in_rt

SD, NETWORK = "Service Desk", "Network"
root, bob = Person("root"), Person("bob")


@pytest.fixture
def connector(baton_app):
    return baton_app.connectors["rt"]


def test_changes_since_reads_creations_moves_and_rts_own_owner_reset(rt, connector):
    start = connector.changes_since(None).checkpoint
    ticket = root.create(SD, "Keyboard", owner="alice")
    root.update(ticket, Queue=NETWORK)
    changes = connector.changes_since(start)
    seen = [(e.kind, e.actor, e.old_holder, e.new_holder) for e in changes.events]
    assert seen == [
        (ToolEventKind.CREATED, "root", None, Holder(SD, "alice")),
        (ToolEventKind.HOLDER_CHANGED, "root", Holder(SD, "alice"), Holder(NETWORK, "alice")),
    ]
    assert int(changes.checkpoint) > int(start)
    assert connector.changes_since(changes.checkpoint).events == []


def test_a_queue_move_the_owner_may_not_follow_is_two_changes(rt, connector):
    start = connector.changes_since(None).checkpoint
    ticket = root.create(SD, "Badge", owner="alice")
    root.update(ticket, Owner="bob")
    bob.update(ticket, Queue=NETWORK)
    events = connector.changes_since(start).events
    assert [(e.actor, e.new_holder) for e in events[1:]] == [
        ("root", Holder(SD, "bob")),
        ("bob", Holder(NETWORK, "bob")),
    ]


def test_set_holder_writes_through_rest2_and_repeats_harmlessly(rt, connector):
    ticket = root.create(SD, "Dock", owner="alice")
    connector.set_holder(ticket, Holder(NETWORK, "carol"), expected=Holder(SD, "alice"))
    assert holder_in_rt(ticket) == (NETWORK, "carol")
    connector.set_holder(ticket, Holder(NETWORK, "carol"), expected=Holder(SD, "alice"))  # a replayed action
    connector.set_holder(ticket, Holder(SD))
    assert holder_in_rt(ticket) == (SD, "Nobody")


def test_a_ticket_changed_since_the_decision_is_a_conflict(rt, connector):
    ticket = root.create(SD, "Mouse", owner="alice")
    with pytest.raises(ToolConflict):
        connector.set_holder(ticket, Holder(SD, "bob"), expected=Holder(SD, "carol"))
    assert holder_in_rt(ticket) == (SD, "alice")


def test_a_stale_etag_is_refused_by_rt_with_412(rt, connector):
    ticket = root.create(SD, "Headset", owner="alice")
    stale = connector.read_ticket(ticket).version
    root.update(ticket, Subject="Headset (USB)")
    spec = connector.profile.writes.set_holder
    with pytest.raises(ToolConflict, match="412"):
        connector.http.call("PUT", spec.path.format(id=ticket), json={"Owner": "bob"}, headers={"If-Match": stale})


def test_an_owner_rt_refuses_is_reported_although_rt_answers_200(rt, connector):
    ticket = root.create(SD, "Chair", owner="alice")
    with pytest.raises(ToolRefused, match="That user may not own tickets in that queue"):
        connector.set_holder(ticket, Holder(SD, "dave"))
    assert holder_in_rt(ticket) == (SD, "alice")


def test_notes_are_internal_and_replies_reach_the_requester(rt, connector):
    ticket = root.create(SD, "Printer")
    connector.add_note(ticket, "Baton: internal")
    connector.reply(ticket, "Baton: to you")
    by_baton = [t["Type"] for t in root.history(ticket) if t["Creator"]["id"] == "baton"]
    assert by_baton == ["Comment", "Correspond"]


def test_check_names_batons_account(rt, connector):
    assert connector.check().endswith("as baton")
