"""Baton's webhook Scrip on the real Request Tracker 5: RT posts its changes, Baton governs them from the webhook.

RT runs the shipped Scrip (connectors/rest/rt_scrip/, installed by `rt5-server.sh scrip` the way an admin installs
it) and posts to the `baton run` process here. An agent pushes a ticket with their own account; Baton reverts it
in RT within seconds: in `mode: webhook` with no poller at all, in `mode: both` taking the change once although
the webhook and the poll both bring it. A delivery lost while Baton is down leaves RT unharmed, and the poll
catches it up. One PUT of Queue and Owner, which the Scrip posts as two deliveries, is one change, as the poll
reads it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.desk import DESK
from tests.e2e import rt5
from tests.e2e.model_run import DEPLOYMENT
from tests.e2e.rt5 import Person, holder_in_rt
from tests.e2e.service import Service, service_env, wait_for

SD, NETWORK = "Service Desk", "Network"
REQUESTER = "customer@example.test"  # every ticket Person.create makes
SERVICE = """\
connectors:
  rt:
    type: rest
    url: {rt_url}
    account: baton
    mode: {mode}
    poll_interval_seconds: 1
    webhook_secret_env: BATON_E2E_WEBHOOK_SECRET
    auth: {{username_env: BATON_E2E_RT_USER, password_env: BATON_E2E_RT_PASSWORD}}
    options: {{profile: request-tracker5}}
"""
REVERT_WITHIN = 20.0  # seconds: generous on a shared machine; a webhook revert takes a second or two here


@pytest.fixture
def with_scrip(rt):
    rt5.server("scrip")
    return rt


def baton_service(tmp_path, mode: str, desk: str = DESK) -> Service:
    """`baton run` where RT's Scrip posts (its site config names the port), watching the local RT."""
    hook = urlsplit(rt5.HOOK_URL)
    assert hook.path == "/hooks/rest/rt", "the Scrip posts to the instance this deployment calls rt"
    config = tmp_path / "baton.yaml"
    config.write_text(desk + SERVICE.format(rt_url=rt5.URL, mode=mode))
    return Service(config, tmp_path / "ledger.db", hook.port, service_env(rt5.WEBHOOK_SECRET), tmp_path / "baton.log")


def running(tmp_path, mode: str):
    service = baton_service(tmp_path, mode)
    try:
        yield service.start()
    finally:
        service.kill()


@pytest.fixture
def webhook_only(with_scrip, tmp_path):
    yield from running(tmp_path, "webhook")


@pytest.fixture
def both(with_scrip, tmp_path):
    yield from running(tmp_path, "both")


@pytest.fixture(params=["webhook", "both"])
def webhook_and_mail(with_scrip, tmp_path, mail, request):
    """`mode: webhook` (or `both`) on the desk of issue 15 (Service Desk {alice, bob}, Network {carol}), emailing
    through `mail`."""
    service = baton_service(tmp_path, request.param, DEPLOYMENT.format(smtp_port=mail.port))
    try:
        yield service.start()
    finally:
        service.kill()


def to_carol(service: Service, ticket: str, entry_type: str) -> list[dict]:
    """The ledger's entries of one type towards carol: a push reverted is one `rule` entry (the decision) and one
    `requested` (the handoff request it became); the ledger's holder never moved, so no `holder-changed`."""
    return [e for e in service.ledger(ticket) if e["entry_type"] == entry_type and e["to_holder"] == f"{SD}/carol"]


def test_a_push_arrives_by_webhook_and_is_reverted_without_a_poll(webhook_only):
    root, alice = Person("root"), Person("alice")
    ticket = root.create(SD, "Printer on fire", owner="alice")
    wait_for("the Scrip's delivery of the new ticket", lambda: webhook_only.ledger(ticket), timeout=REVERT_WITHIN)

    assert alice.update(ticket, Owner="carol") == [f"Ticket {ticket}: Owner changed from alice to carol"]
    wait_for("the push to be reverted in RT", lambda: holder_in_rt(ticket) == (SD, "alice"), timeout=REVERT_WITHIN)

    (decision,) = to_carol(webhook_only, ticket, "rule")
    assert decision["by"] == "alice" and decision["from_holder"] == f"{SD}/alice"
    assert len(to_carol(webhook_only, ticket, "requested")) == 1, "the push became a request to carol"
    assert webhook_only.worker_rounds("poll:rt") is None, "mode webhook runs no poller: the webhook brought it"
    assert webhook_only.worker_rounds("inbox") > 0


def test_mode_both_takes_a_change_the_webhook_and_the_poll_both_bring_once(both):
    root, alice = Person("root"), Person("alice")
    ticket = root.create(SD, "Monitor flickers", owner="alice")
    wait_for("Baton to see the new ticket", lambda: both.ledger(ticket), timeout=REVERT_WITHIN)

    alice.update(ticket, Owner="carol")
    wait_for("the push to be reverted in RT", lambda: holder_in_rt(ticket) == (SD, "alice"), timeout=REVERT_WITHIN)
    # Two more poll rounds: the second starts after the revert was written, so the poll has read the push too.
    rounds = both.worker_rounds("poll:rt")
    wait_for("two more poll rounds", lambda: both.worker_rounds("poll:rt") >= rounds + 2)

    ledger = both.ledger(ticket)
    assert len(to_carol(both, ticket, "rule")) == 1, ledger
    assert len(to_carol(both, ticket, "requested")) == 1, ledger
    assert not to_carol(both, ticket, "holder-changed"), ledger
    assert holder_in_rt(ticket) == (SD, "alice")
    owner_changes = [t for t in Person("root").history(ticket) if t["Type"] == "Set" and t["Field"] == "Owner"]
    assert len(owner_changes) == 2, "alice's push and one revert by Baton, no more"


def test_a_delivery_lost_while_baton_is_down_is_caught_up_by_the_poll(both):
    root, alice = Person("root"), Person("alice")
    ticket = root.create(SD, "Scanner jams", owner="alice")
    wait_for("Baton to see the new ticket", lambda: both.ledger(ticket), timeout=REVERT_WITHIN)
    assert both.stop() == 0

    # RT's Scrip cannot reach Baton: RT makes the change all the same, and says so in its log only.
    assert alice.update(ticket, Owner="carol") == [f"Ticket {ticket}: Owner changed from alice to carol"]
    assert holder_in_rt(ticket) == (SD, "carol")

    both.start()
    wait_for(
        "the poll to catch the push up and revert it",
        lambda: holder_in_rt(ticket) == (SD, "alice"),
        timeout=REVERT_WITHIN,
    )
    assert len(to_carol(both, ticket, "rule")) == 1
    assert len(to_carol(both, ticket, "requested")) == 1


def test_one_put_of_queue_and_owner_posted_as_two_deliveries_is_one_change(webhook_and_mail, mail):
    """The Scrip posts bob's `PUT {Queue: Network, Owner: carol}` as two deliveries (the Owner change with the
    ticket still in Service Desk, then the Queue change). Baton reads them as one push from alice in Service Desk
    to carol in Network, as the poll would: one decision, reverted whole, never carol in Service Desk, a holder
    nobody chose. When carol accepts, Baton's own write (two transactions again) is read whole, and the requester
    hears that the Network team has the ticket. In `mode: both` the poll reads the same write too, and it is still
    one change."""
    service, root, bob = webhook_and_mail, Person("root"), Person("bob")
    ticket = root.create(SD, "VPN down", owner="alice")
    wait_for("the Scrip's delivery of the new ticket", lambda: service.ledger(ticket), timeout=REVERT_WITHIN)

    assert len(bob.update(ticket, Queue=NETWORK, Owner="carol")) == 2, "one PUT, two changes in RT"
    wait_for("the push to be reverted in RT", lambda: holder_in_rt(ticket) == (SD, "alice"), timeout=REVERT_WITHIN)
    ledger = service.ledger(ticket)
    decisions = [(e["from_holder"], e["to_holder"]) for e in ledger if e["entry_type"] == "rule"]
    assert decisions == [(f"{SD}/alice", f"{NETWORK}/carol")], ledger
    (request,) = [e for e in ledger if e["entry_type"] == "requested"]
    assert request["to_holder"] == NETWORK, "queue-first: the Network queue"
    assert [e["entry_type"] for e in ledger] == ["holder-changed", "rule", "requested"], ledger
    moves = [
        (t["Field"], t["NewValue"])
        for t in root.history(ticket)
        if t["Type"] == "Set" and t["Field"] in ("Owner", "Queue")
    ]
    assert len(moves) == 4, f"bob's two changes and Baton's revert of both, no more: {moves}"

    assert service.baton("handoff", "accept", request["handoff_id"], "--by", "carol")
    wait_for(
        "carol to hold the ticket in Network", lambda: holder_in_rt(ticket) == (NETWORK, "carol"), timeout=REVERT_WITHIN
    )
    wait_for("the requester to hear that Network has it", lambda: NETWORK in teams_told(mail), timeout=REVERT_WITHIN)
    rounds = service.worker_rounds("poll:rt")
    if rounds is not None:  # mode both: two more poll rounds, so the poll has read both writes too
        wait_for("two more poll rounds", lambda: service.worker_rounds("poll:rt") >= rounds + 2)
    assert teams_told(mail) == [SD, NETWORK], "alice took it (the ticket's creation), then Network; nothing between"
    assert all("Service Desk (Carol" not in m.part("plain") for m in mail.received if REQUESTER in m.envelope_to)
    ledger = service.ledger(ticket)
    assert not [e for e in ledger if e.get("to_holder") == f"{SD}/carol"], ledger
    types = [e["entry_type"] for e in ledger]
    assert (types.count("rule"), types.count("requested")) == (1, 1), ledger
    assert types[-2:] == ["accepted", "applied"], "Baton's own write is read whole"


def teams_told(mail) -> list[str]:
    """The team each email to the requester names (its `Team:` line), in the order they came."""
    return [
        line.split(":", 1)[1].strip()
        for m in mail.received
        if REQUESTER in m.envelope_to
        for line in m.part("plain").splitlines()
        if line.strip().startswith("Team:")
    ]
