"""Slack on a real Request Tracker 5: bob pushes alice's ticket to carol, Baton reverts it and asks carol in a
Slack direct message (a loopback fake of Slack's Web API); carol's signed click accepts it, RT shows her as the
owner, and the requester's email goes out (a real SMTP server on loopback)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock, SystemClock
from baton_itsm.core.web import create_app
from tests.desk import DESK, ledger_readers
from tests.e2e.conftest import CONNECTOR
from tests.e2e.rt5 import URL, Person, holder_in_rt
from tests.integration.notify.slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, click, signed

SD = "Service Desk"
root, bob = Person("root"), Person("bob")
ledger, requests_to = ledger_readers("rt")
CHAT = """\
people:
  carol: {{name: Carol Agent, email: carol@example.com}}
notifications:
  base_url: http://127.0.0.1:9
  channels: {{requester: [email], staff: [slack]}}
  coalesce_seconds: 0
  slack: {{api_url: "{api_url}"}}
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com}}
"""


def test_a_reverted_push_is_asked_in_slack_and_accepted_by_a_click(deployment, mail, tmp_path, monkeypatch):
    config, db = deployment
    for name, value in {
        "BATON_SLACK_TOKEN": TOKEN,
        "BATON_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "BATON_LINK_SECRET": "e2e-link-secret-0123456789abcdef",
    }.items():
        monkeypatch.setenv(name, value)
    with FakeSlack({"carol@example.com": "U0CAROL"}) as slack:
        with open(config, "w") as file:
            file.write(DESK + CHAT.format(api_url=slack.api_url, smtp_port=mail.port) + CONNECTOR.format(url=URL))
        app = build_app(config, db, clock=FixedClock(SystemClock().now()))
        app.poller.run_once()  # the first poll sets the checkpoint
        ticket = root.create(SD, "Printer on fire", owner="alice")
        app.poller.run_once()
        bob.update(ticket, Owner="carol")  # the push nobody asked for
        app.poller.run_once()  # reverted, and a request to carol decided
        app.poller.run_once()  # the notice routed into its Slack row, and posted
        assert holder_in_rt(ticket) == (SD, "alice")
        (request,) = requests_to(app, ticket)
        [posted] = [c for c in slack.called("chat.postMessage") if c["args"]["channel"] == "U0CAROL"]
        assert f"[rt:{ticket}]" in posted["args"]["text"]

        body = click("baton_accept", request.handoff_id, "U0CAROL", posted, f"{slack.url}/actions/1")
        answer = TestClient(create_app(app)).post(
            "/slack/interactivity", content=body, headers=signed(body, int(app.clock.now().timestamp()))
        )
        assert answer.json()["outcome"] == "accepted", answer.text
        for _ in range(3):  # the write to RT, the message update, the requester's email
            app.poller.run_once()
        assert holder_in_rt(ticket) == (SD, "carol")
        assert [e.entry_type for e in ledger(app, ticket)][-2:] == ["accepted", "applied"]
        assert slack.called("chat.update"), "the Slack message says it was accepted"
        [told] = mail.to("customer@example.test")[-1:]
        assert "Carol Agent" in told.part("plain")
        app.engine.dispose()
