"""The accept-before-reassign scenarios of the Request Tracker issue, on ServiceNow, from cassettes.

Baton is its own composition root (build_app: the real Intake, RulesEngine, OutboxDispatcher and
Poller on a SQLite ledger) on a clock the test moves. People act in ServiceNow as themselves through the
Table API (in the cassettes too); what ServiceNow shows is read back through the connector.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.commands import AcceptHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from tests.connectors.servicenow.integration.conftest import ENV, START
from tests.connectors.servicenow.integration.test_sn_connector import journal
from tests.desk import DESK, ledger_readers

SD, NETWORK = "Service Desk", "Network"
CONNECTOR = """\
connectors:
  sn:
    type: servicenow
    url: {url}
    account: baton
    auth: {{username_env: SN_USER, password_env: SN_PASSWORD}}
    options: {{table: incident, page_size: 50}}
"""


@pytest.fixture
def baton(tool, tmp_path, monkeypatch):
    """Baton watching the instance from now on, with its waits recorded instead of slept."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "baton.yaml"
    config.write_text(DESK + CONNECTOR.format(url=tool.url))
    app = build_app(str(config), str(tmp_path / "ledger.db"), clock=FixedClock(START))
    connector = app.connectors["sn"]
    connector.clock = app.clock
    app.waits = []
    connector.http.sleep = app.waits.append
    app.poller.run_once()  # the first poll only sets the checkpoint
    return app


def holder_in_sn(app, number: str) -> Holder | None:
    return app.connectors["sn"].read_ticket(number).holder


ledger, requests_to = ledger_readers("sn")


def notes_by_baton(tool, number: str) -> list:
    return [e for e in journal(tool, number) if e.internal and e.by == "baton"]


def baton_bounces(app, number: str) -> int:
    with app.store.unit_of_work(app.clock.now()) as uow:
        return uow.load_ticket(TicketKey("sn", number)).bounces


def test_1_an_unrequested_push_is_reverted_with_a_work_note_and_turned_into_a_request(tool, baton):
    number = tool.agent("dana").create(SD, "alice", "Printer on fire")
    baton.poller.run_once()
    tool.agent("alice").assign(number, person="carol")  # a push: carol never asked for it
    cycle = baton.poller.run_once()

    assert cycle.ok, cycle
    assert holder_in_sn(baton, number) == Holder(SD, "alice")  # Baton put it back
    (note,) = notes_by_baton(tool, number)  # and said why, where agents (not the requester) see it
    assert "Baton put this ticket back with Service Desk/alice" in note.value
    (request,) = requests_to(baton, number)
    assert request.to_holder == Holder(SD, "carol")
    baton.poller.run_once()  # Baton's own revert comes back from sys_audit: not a push to fight
    assert holder_in_sn(baton, number) == Holder(SD, "alice") and len(requests_to(baton, number)) == 1


def test_2_accepting_the_request_makes_carol_the_holder_in_servicenow(tool, baton):
    number = tool.agent("dana").create(SD, "alice", "VPN drops every hour")
    baton.poller.run_once()
    tool.agent("alice").assign(number, person="carol")
    baton.poller.run_once()
    baton.poller.run_once()  # a minute later: Baton reads back its own revert
    (request,) = requests_to(baton, number)

    baton.handoffs.execute(AcceptHandoff(ticket=TicketKey("sn", number), handoff_id=request.handoff_id, by="carol"))
    assert baton.poller.run_once().ok

    assert holder_in_sn(baton, number) == Holder(SD, "carol")
    types = [e.entry_type for e in ledger(baton, number)]
    assert types.index("requested") < types.index("accepted") < types.index("applied")
    baton.poller.run_once()  # carol's assignment, written by Baton, is not reverted
    assert holder_in_sn(baton, number) == Holder(SD, "carol")
    # ServiceNow counts group changes only; Baton counts the move from alice to carol as a bounce
    fields = baton.connectors["sn"].read_ticket(number).fields
    assert (fields["reassignment_count"], baton_bounces(baton, number)) == ("0", 1)


def test_3_taking_an_unassigned_ticket_is_a_pull_and_nothing_is_reverted(tool, baton):
    number = tool.agent("dana").create(SD, None, "New laptop for Jo")
    baton.poller.run_once()
    tool.agent("carol").assign(number, person="carol")
    cycle = baton.poller.run_once()

    assert cycle.ok  # (the requester's status notice may be routed; no tool write is: see below)
    assert holder_in_sn(baton, number) == Holder(SD, "carol")
    assert ledger(baton, number)[-1].to_holder == Holder(SD, "carol")
    assert requests_to(baton, number) == [] and notes_by_baton(tool, number) == []


def test_4_a_move_to_another_group_by_someone_not_allowed_to_push_is_reverted(tool, baton):
    number = tool.agent("dana").create(SD, None, "Switch port dead")
    baton.poller.run_once()
    tool.agent("bob").assign(number, NETWORK)  # bob manages neither group
    cycle = baton.poller.run_once()

    assert cycle.ok, cycle
    assert holder_in_sn(baton, number) == Holder(SD)
    (request,) = requests_to(baton, number)
    assert request.to_holder == Holder(NETWORK)
    assert len(notes_by_baton(tool, number)) == 1
    # the push and its revert each moved the group: ServiceNow counts 2, Baton (nothing was handed on) 0
    fields = baton.connectors["sn"].read_ticket(number).fields
    assert (fields["reassignment_count"], baton_bounces(baton, number)) == ("2", 0)


class Unreachable(HTTPAdapter):
    """ServiceNow is down: nothing answers on its address (the connection is refused)."""

    def send(self, request, **kwargs):
        reason = NewConnectionError(None, "Connection refused")
        raise requests.ConnectionError(MaxRetryError(None, request.url, reason), request=request)


def test_5_servicenow_down_mid_run_loses_nothing_and_baton_catches_up(tool, baton):
    dana = tool.agent("dana")
    pushed, pulled = dana.create(SD, "alice", "Monitor flickers"), dana.create(SD, None, "Password reset")
    baton.poller.run_once()
    tool.agent("alice").assign(pushed, person="carol")
    baton.poller.poll("sn")  # the push is taken in and its revert queued...
    tool.agent("carol").assign(pulled, person="carol")  # ...and this change is made before Baton reads it
    session = baton.connectors["sn"].http.session
    session.mount(tool.url, Unreachable())
    try:
        down = baton.poller.run_once()
        assert down.polls[0].error and "no answer" in down.polls[0].error
        # the tool actions wait (retrying); only Baton's internal routing of notices can complete
        assert down.dispatch.retrying >= 1 and down.dispatch.failed == 0
        assert all(urlsplit(tool.url).netloc in e for e in down.dispatch.errors)  # (loopback while recording)
        assert baton.waits, "the connector retried before giving up for this cycle"
    finally:
        session.mount(tool.url, HTTPAdapter())
    baton.clock.advance(minutes=1)  # past the outbox's backoff
    back = baton.poller.run_once()

    assert back.ok, back
    assert holder_in_sn(baton, pushed) == Holder(SD, "alice") and len(notes_by_baton(tool, pushed)) == 1
    assert holder_in_sn(baton, pulled) == Holder(SD, "carol")
    assert ledger(baton, pulled)[-1].to_holder == Holder(SD, "carol")


def holder_in_ledger(app, number: str) -> Holder | None:
    with app.store.unit_of_work(app.clock.now()) as uow:
        return uow.load_ticket(TicketKey("sn", number)).holder


def test_6_a_queue_and_person_push_in_one_write_is_one_push_and_batons_revert_is_read_whole(tool, baton):
    number = tool.agent("dana").create(SD, "alice", "Shared drive gone")
    baton.poller.run_once()
    tool.agent("bob").assign(number, NETWORK, "carol")  # one PATCH: one update, two sys_audit rows
    # A busy instance: Baton's revert (both fields, one PATCH), its work note and carol taking the ticket
    # all fall in the second of bob's push. Only the update counts tell these updates and their order apart.
    tool.recording(lambda server: setattr(server.instance, "seconds_per_write", 0))
    pushed = baton.poller.run_once()
    tool.agent("carol").assign(number, person="carol")
    tool.recording(lambda server: setattr(server.instance, "seconds_per_write", 1))
    baton.clock.advance(minutes=1)
    later = baton.poller.run_once()

    assert pushed.ok and later.ok, (pushed, later)
    entries = ledger(baton, number)
    (push,) = [e for e in entries if e.entry_type == "rule"]  # one push, from the holder before to the one after
    assert (push.by, push.from_holder, push.to_holder) == ("bob", Holder(SD, "alice"), Holder(NETWORK, "carol"))
    (request,) = requests_to(baton, number)
    assert request.to_holder == Holder(NETWORK)  # queue-first: Network's queue is asked, not carol
    assert len(notes_by_baton(tool, number)) == 1
    moves = [
        (e.by, e.from_holder, e.to_holder)
        for e in entries
        if e.entry_type == "holder-changed" and e.from_holder is not None
    ]  # (the creation is first-seen)
    # Baton's revert is its own write, not a push to fight; carol's take is one pull; no in-between holder
    assert moves == [("carol", Holder(SD, "alice"), Holder(SD, "carol"))], moves
    assert holder_in_sn(baton, number) == holder_in_ledger(baton, number) == Holder(SD, "carol")
