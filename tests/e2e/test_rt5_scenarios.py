"""The five scenarios of issue 4, on a real Request Tracker 5 with Baton's poller, rules and dispatcher.

Agents act in RT as themselves. The seeded agents have ReassignTicket, so bob can push alice's ticket to
carol in RT, as desks that let agents reassign do: that is the push Baton governs.
"""

from __future__ import annotations

from baton_itsm.core.domain.holders import Holder
from tests.desk import ledger_readers
from tests.e2e.rt5 import Person, holder_in_rt, server

SD, NETWORK = "Service Desk", "Network"
alice, bob, carol, root = Person("alice"), Person("bob"), Person("carol"), Person("root")


ledger, requests_to = ledger_readers("rt")


def entry_types(app, ticket: str) -> list[str]:
    return [event.entry_type for event in ledger(app, ticket)]


def notes_by_baton(ticket: str) -> list[dict]:
    return [t for t in root.history(ticket) if t["Type"] == "Comment" and t["Creator"]["id"] == "baton"]


def test_1_an_unrequested_push_is_reverted_noted_and_turned_into_a_request(rt, baton_app):
    ticket = root.create(SD, "Printer on fire", owner="alice")
    baton_app.poller.run_once()
    bob.update(ticket, Owner="carol")  # bob pushes it: carol never asked for it
    cycle = baton_app.poller.run_once()

    assert cycle.ok, cycle
    assert holder_in_rt(ticket) == (SD, "alice")  # Baton put it back
    assert len(notes_by_baton(ticket)) == 1  # and said why, inside the ticket
    (request,) = requests_to(baton_app, ticket)
    assert request.to_holder == Holder(SD, "carol")
    baton_app.poller.run_once()  # Baton's own revert comes back as a change: not a push to fight
    assert holder_in_rt(ticket) == (SD, "alice") and len(requests_to(baton_app, ticket)) == 1


def test_2_accepting_the_request_makes_carol_the_owner_in_rt(rt, baton_app, baton_cli):
    ticket = root.create(SD, "VPN drops every hour", owner="alice")
    baton_app.poller.run_once()
    bob.update(ticket, Owner="carol")
    baton_app.poller.run_once()
    (request,) = requests_to(baton_app, ticket)

    accepted = baton_cli("handoff", "accept", request.handoff_id, "--by", "carol")
    assert accepted.exit_code == 0, accepted.output
    polled = baton_cli("poll", "--once", "rt")
    assert polled.exit_code == 0, polled.output + polled.stderr

    assert holder_in_rt(ticket) == (SD, "carol")
    types = entry_types(baton_app, ticket)
    assert types.index("requested") < types.index("accepted") < types.index("applied")
    baton_cli("poll", "--once")  # carol's ownership, written by Baton, is not reverted
    assert holder_in_rt(ticket) == (SD, "carol")


def test_3_taking_an_unowned_ticket_is_a_pull_and_nothing_is_reverted(rt, baton_app):
    ticket = root.create(SD, "New laptop for Jo")
    baton_app.poller.run_once()
    carol.take(ticket)
    cycle = baton_app.poller.run_once()

    assert cycle.ok, cycle
    assert holder_in_rt(ticket) == (SD, "carol")
    assert ledger(baton_app, ticket)[-1].to_holder == Holder(SD, "carol")
    assert requests_to(baton_app, ticket) == [] and notes_by_baton(ticket) == []


def test_4_a_move_to_another_queue_by_someone_not_allowed_to_push_is_reverted(rt, baton_app):
    ticket = root.create(SD, "Switch port dead")
    baton_app.poller.run_once()
    bob.update(ticket, Queue=NETWORK)  # bob is no manager of either queue
    cycle = baton_app.poller.run_once()

    assert cycle.ok, cycle
    assert holder_in_rt(ticket) == (SD, "Nobody")
    (request,) = requests_to(baton_app, ticket)
    assert request.to_holder == Holder(NETWORK)
    assert len(notes_by_baton(ticket)) == 1


def test_5_rt_down_mid_run_loses_nothing_and_baton_catches_up(rt, baton_app):
    waits = []
    baton_app.connectors["rt"].http.sleep = waits.append  # RT's absence is retried without real waiting
    pushed = root.create(SD, "Monitor flickers", owner="alice")
    pulled = root.create(SD, "Password reset")
    baton_app.poller.run_once()
    alice.update(pushed, Owner="carol")
    baton_app.poller.poll("rt")  # the push is taken in and its revert queued...
    carol.take(pulled)  # ...and this change is made before Baton reads it
    server("stop")
    try:
        down = baton_app.poller.run_once()
        assert down.polls[0].error and "no answer" in down.polls[0].error
        assert down.dispatch.retrying >= 1 and down.dispatch.failed == 0  # the revert waits (its note goes with it)
        assert all("no answer" in error for error in down.dispatch.errors)
        assert waits, "the connector retried before giving up for this cycle"
    finally:
        server("start")
    baton_app.clock.advance(minutes=1)  # past the outbox's backoff
    back = baton_app.poller.run_once()

    assert back.ok, back
    assert holder_in_rt(pushed) == (SD, "alice") and len(notes_by_baton(pushed)) == 1
    assert holder_in_rt(pulled) == (SD, "carol")
    assert ledger(baton_app, pulled)[-1].to_holder == Holder(SD, "carol")
