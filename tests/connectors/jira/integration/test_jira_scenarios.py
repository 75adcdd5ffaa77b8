"""The accept-before-reassign scenarios of issue 4, on Jira: replayed from ../cassettes, driven through
Baton's real composition root (poller, Intake, RulesEngine, OutboxDispatcher) on an injected clock.

Agents act in the fake Jira that recorded the cassettes (in a replay their changes are already in the
cassette); Baton sees them only through its connector. The group is the issue's component.
"""

from __future__ import annotations

import json

import pytest

from baton_itsm.core.app import build_app
from baton_itsm.core.domain.commands import AcceptHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from tests.connectors.jira.integration.jira_cassettes import CONNECTOR, LOGINS, deployment_options, jira_site
from tests.desk import ledger_readers

SD, NET = "Service Desk", "Network"
DEPLOYMENT = """
ownership: {{model: follows, desk_groups: [Service Desk]}}
groups:
  Service Desk: {{members: [alice, bob, carol], managers: [dana]}}
  Network: {{members: [carol], managers: [erin]}}
rules:
  accept_before_reassign: {{mode: revert, triage_groups: [], exempt_groups: []}}
"""


@pytest.fixture(params=["cloud", "datacenter"])
def desk(request, clock, tmp_path, monkeypatch):
    """(Baton's app, the Jira site) for a deployment watching project SD; Baton watches from now on."""
    with jira_site(request, clock, request.param) as site:
        login, (_, secret) = next(iter(LOGINS[request.param].items()))
        monkeypatch.setenv("BATON_JIRA_USER", login)
        monkeypatch.setenv("BATON_JIRA_SECRET", secret)
        config = tmp_path / "baton.yaml"
        config.write_text(
            DEPLOYMENT.format() + CONNECTOR.format(url=site.url, options=json.dumps(deployment_options(request.param)))
        )
        app = build_app(str(config), str(tmp_path / "ledger.db"), clock=clock)
        app.connectors["jira"].http.sleep = site.waits.append  # retries wait for no real time
        app.poller.run_once()
        yield app, site


def holder_in_jira(app, ticket: str) -> Holder | None:
    return app.connectors["jira"].read_ticket(ticket).holder


ledger, requests_to = ledger_readers("jira")


def notes_by_baton(site, ticket: str) -> list[str]:
    posts = site.sent("POST", f"/rest/servicedeskapi/request/{ticket}/comment", answered=True)
    return [json.loads(p.body)["body"] for p in posts if json.loads(p.body)["public"] is False]


def agents_act(clock, action, *args, **kwargs):
    clock.advance(minutes=1)  # people take a moment; Jira's times then tell their changes apart
    action(*args, **kwargs)


def test_1_an_unrequested_push_is_reverted_noted_and_turned_into_a_request(desk, clock):
    app, site = desk
    ticket = site.fake.create("Printer on fire", assignee="alice")
    app.poller.run_once()
    agents_act(clock, site.fake.assign, ticket, "carol", by="bob")  # a push: carol never asked for it
    cycle = app.poller.run_once()

    assert cycle.ok, cycle
    assert holder_in_jira(app, ticket) == Holder(SD, "alice")  # Baton put it back
    (note,) = notes_by_baton(site, ticket)  # and said why, inside the ticket, as an internal note
    assert "put this ticket back with Service Desk/alice" in note
    (request,) = requests_to(app, ticket)
    assert request.to_holder == Holder(SD, "carol")
    clock.advance(minutes=1)
    app.poller.run_once()  # Baton's own revert comes back as a change: not a push to fight
    assert holder_in_jira(app, ticket) == Holder(SD, "alice") and len(requests_to(app, ticket)) == 1


def test_2_accepting_the_request_makes_carol_the_assignee_in_jira(desk, clock):
    app, site = desk
    ticket = site.fake.create("VPN drops every hour", assignee="alice")
    app.poller.run_once()
    agents_act(clock, site.fake.assign, ticket, "carol", by="bob")
    app.poller.run_once()
    (request,) = requests_to(app, ticket)

    clock.advance(minutes=1)
    app.handoffs.execute(AcceptHandoff(ticket=TicketKey("jira", ticket), handoff_id=request.handoff_id, by="carol"))
    assert app.poller.run_once().ok

    assert holder_in_jira(app, ticket) == Holder(SD, "carol")
    types = [e.entry_type for e in ledger(app, ticket)]
    assert types.index("requested") < types.index("accepted") < types.index("applied")
    clock.advance(minutes=1)
    app.poller.run_once()  # carol's assignment, written by Baton, is not reverted
    assert holder_in_jira(app, ticket) == Holder(SD, "carol")


def test_3_taking_an_unassigned_ticket_is_a_pull_and_nothing_is_reverted(desk, clock):
    app, site = desk
    ticket = site.fake.create("New laptop for Jo")
    app.poller.run_once()
    agents_act(clock, site.fake.assign, ticket, "carol", by="carol")
    cycle = app.poller.run_once()

    assert cycle.ok  # (the requester's status notice may be routed; no tool write is: see below)
    assert holder_in_jira(app, ticket) == Holder(SD, "carol")
    assert ledger(app, ticket)[-1].to_holder == Holder(SD, "carol")
    assert requests_to(app, ticket) == [] and notes_by_baton(site, ticket) == []


def test_4_a_move_to_another_group_by_someone_not_allowed_to_push_is_reverted(desk, clock):
    app, site = desk
    ticket = site.fake.create("Switch port dead")
    app.poller.run_once()
    agents_act(clock, site.fake.move, ticket, NET, by="bob")  # bob manages neither group
    cycle = app.poller.run_once()

    assert cycle.ok, cycle
    assert holder_in_jira(app, ticket) == Holder(SD)
    (request,) = requests_to(app, ticket)
    assert request.to_holder == Holder(NET)
    assert len(notes_by_baton(site, ticket)) == 1
    (edit,) = site.sent("PUT", f"/rest/api/2/issue/{ticket}")
    assert json.loads(edit.body)["update"] == {"components": [{"remove": {"name": NET}}, {"add": {"name": SD}}]}


def test_5_jira_down_mid_run_loses_nothing_and_baton_catches_up(desk, clock):
    app, site = desk
    pushed = site.fake.create("Monitor flickers", assignee="alice")
    pulled = site.fake.create("Password reset")
    app.poller.run_once()
    agents_act(clock, site.fake.assign, pushed, "carol", by="bob")
    app.poller.poll("jira")  # the push is taken in and its revert queued...
    agents_act(clock, site.fake.assign, pulled, "carol", by="carol")  # ...and this change made before Baton reads
    site.fake.down = True  # Jira answers 503 to everything
    down = app.poller.run_once()
    assert down.polls[0].error and "503" in down.polls[0].error
    # the tool actions wait (retrying); only Baton's internal routing of notices can complete
    assert down.dispatch.retrying >= 1 and down.dispatch.failed == 0
    assert all("ToolUnavailable" in e for e in down.dispatch.errors), down.dispatch.errors
    assert site.waits, "the connector retried before giving up for this cycle"
    site.fake.down = False
    clock.advance(minutes=1)  # past the outbox's backoff
    back = app.poller.run_once()

    assert back.ok, back
    assert holder_in_jira(app, pushed) == Holder(SD, "alice") and len(notes_by_baton(site, pushed)) == 1
    assert holder_in_jira(app, pulled) == Holder(SD, "carol")
    assert ledger(app, pulled)[-1].to_holder == Holder(SD, "carol")


def holder_in_ledger(app, ticket: str) -> Holder | None:
    with app.store.unit_of_work(app.clock.now()) as uow:
        return uow.load_ticket(TicketKey("jira", ticket)).holder


def test_6_a_push_of_group_and_person_in_one_edit_is_one_push_and_batons_revert_is_read_whole(desk, clock):
    app, site = desk
    ticket = site.fake.create("Shared drive gone", assignee="alice")
    app.poller.run_once()
    # one edit of component and assignee: one changelog history with three items (component out, in, assignee)
    agents_act(clock, site.fake.move, ticket, NET, by="bob", assignee="carol")
    pushed = app.poller.run_once()
    clock.advance(minutes=1)
    later = app.poller.run_once()  # Baton's revert, one edit of both fields, comes back as one history

    assert pushed.ok and later.ok, (pushed, later)
    entries = ledger(app, ticket)
    (push,) = [e for e in entries if e.entry_type == "rule"]  # one push, from the holder before to the one after
    assert (push.by, push.from_holder, push.to_holder) == ("bob", Holder(SD, "alice"), Holder(NET, "carol"))
    (request,) = requests_to(app, ticket)
    assert request.to_holder == Holder(NET)  # queue-first: Network's queue is asked, not carol
    assert len(notes_by_baton(site, ticket)) == 1
    (revert,) = site.sent("PUT", f"/rest/api/2/issue/{ticket}")  # both fields put back in one edit
    assert set(json.loads(revert.body)) == {"update", "fields"}
    moves = [e for e in entries if e.entry_type == "holder-changed" and e.from_holder is not None]
    assert moves == []  # neither an in-between holder nor Baton's own revert is taken as a move
    assert holder_in_jira(app, ticket) == holder_in_ledger(app, ticket) == Holder(SD, "alice")
