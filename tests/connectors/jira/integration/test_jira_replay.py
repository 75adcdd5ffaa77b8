"""Problem 1: a captured, signed Jira delivery posted again, under a new, a missing or the same
X-Atlassian-Webhook-Identifier (which the signature does not cover), is taken once.

Through the real app over HTTP: alice, who holds the ticket, pushes it to bob; Baton reverts the push and asks
bob. Replaying that push must keep one inbox row and one set of ledger entries: no second rule entry, and the
open request to bob is not withdrawn.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from baton_itsm.connectors.jira.webhook import sign
from baton_itsm.core.app import build_app
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.store.schema import inbox
from baton_itsm.core.web import create_app
from tests.connectors.jira.jira_fixtures import fixture
from tests.desk import DESK

SECRET = "jira-webhook-secret"
ACCOUNTS = {"alice": "acc-alice", "bob": "acc-bob", "dana": "acc-dana"}
CONNECTOR = """\
connectors:
  jira:
    type: jira
    url: http://127.0.0.1:9
    account: baton
    mode: webhook
    auth: {username_env: JIRA_USER, password_env: JIRA_TOKEN}
    webhook_secret_env: JIRA_WEBHOOK_SECRET
    options: {deployment: cloud, group_names: {TES: Service Desk}, users: ACCOUNTS}
""".replace("ACCOUNTS", json.dumps(ACCOUNTS))
TICKET = TicketKey("jira", "10040")


def user(name: str) -> dict:
    return {"accountId": ACCOUNTS[name], "displayName": name.title(), "active": True}


def created(at_ms: int) -> bytes:
    payload = fixture("jira_webhook_mattermost_issue-created.json")
    payload.update(timestamp=at_ms, user=user("dana"))
    payload["issue"]["fields"].update(assignee=user("alice"), reporter=user("dana"), creator=user("dana"))
    return json.dumps(payload).encode()


def pushed_to_bob(at_ms: int) -> bytes:
    payload = fixture("jira_webhook_mattermost_issue-updated-assigned.json")
    payload.update(timestamp=at_ms, user=user("alice"))
    payload["issue"]["fields"].update(assignee=user("bob"), reporter=user("dana"))
    payload["changelog"]["items"] = [
        {
            "field": "assignee",
            "fieldtype": "jira",
            "fieldId": "assignee",
            "from": "acc-alice",
            "fromString": "Alice",
            "to": "acc-bob",
            "toString": "Bob",
            "tmpFromAccountId": "acc-alice",
            "tmpToAccountId": "acc-bob",
        }
    ]
    return json.dumps(payload).encode()


def headers(body: bytes, identifier: str | None) -> dict:
    sent = {"X-Hub-Signature": sign(SECRET.encode(), body), "Content-Type": "application/json"}
    return sent if identifier is None else {**sent, "X-Atlassian-Webhook-Identifier": identifier}


@pytest.fixture
def app(tmp_path, monkeypatch, clock):
    """`baton run`'s app with one Jira instance taking webhooks; its connector reads the test's clock."""
    for name, value in {"JIRA_USER": "baton", "JIRA_TOKEN": "t", "JIRA_WEBHOOK_SECRET": SECRET}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "baton.yaml").write_text(DESK + CONNECTOR)
    app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
    app.connectors["jira"].clock = clock
    return app


def test_a_replayed_push_is_taken_once_under_any_identifier(app, clock):
    now_ms = int(clock.now().timestamp() * 1000)
    push = pushed_to_bob(now_ms - 1000)
    with TestClient(create_app(app)) as client:

        def post(body: bytes, identifier: str | None):
            return client.post("/hooks/jira/jira", headers=headers(body, identifier), content=body)

        assert post(created(now_ms - 60_000), "id-created").json()["outcome"] == "accepted"
        assert app.intake.process_pending().new == 1
        assert post(push, "id-push").json()["outcome"] == "accepted"
        assert app.intake.process_pending().entries == ["rule", "requested"]  # reverted, bob asked

        replays = [post(push, identifier) for identifier in ("id-forged-1", None, "id-push", "id-forged-2")]
        assert [(r.status_code, r.json()["outcome"]) for r in replays] == [(200, "duplicate")] * 4
        assert app.intake.process_pending().entries == []

    with app.store.engine.connect() as connection:
        # two deliveries (the creation and the push); each one's event is also kept under its own id, as taken
        assert (
            connection.execute(select(func.count()).select_from(inbox).where(inbox.c.status != "taken")).scalar_one()
            == 2
        )
    entries = [entry.event.entry_type for entry in app.handoffs.ledger(TICKET)]
    assert entries.count("rule") == 1 and "withdrawn" not in entries, entries
    with app.store.unit_of_work(clock.now()) as uow:
        assert uow.load_ticket(TICKET).open_handoff().to_holder == Holder("Service Desk", "bob")


def test_a_body_older_than_the_tolerance_is_refused(app, clock):
    old = pushed_to_bob(int(clock.now().timestamp() * 1000) - 2 * 3600 * 1000)  # captured two hours ago
    with TestClient(create_app(app)) as client:
        answer = client.post("/hooks/jira/jira", headers=headers(old, "id-new"), content=old)
    assert answer.status_code == 400 and answer.json()["outcome"] == "anomalous"
    assert "more than 3600 s from now" in answer.json()["reason"]
