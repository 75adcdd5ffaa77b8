"""`mode: both` on Jira: a change that comes by webhook and by poll is taken once, in either order.

The poll is replayed from ../cassettes (recorded against jira_fake.py); the deliveries are the fake's, in the
shape of Jira's captured ones, signed with the webhook's secret and posted to Baton's webhook route. Both paths
name the push by its changelog history id, so the ledger holds one rule decision, one request and one revert.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton_itsm.connectors.jira.webhook import sign
from baton_itsm.core.app import build_app
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.web import create_app
from tests.connectors.jira.integration.jira_cassettes import (
    LOGINS,
    WEBHOOK_CONNECTOR,
    WEBHOOK_SECRET,
    deployment_options,
    jira_site,
)
from tests.desk import DESK, ledger_readers

SD = "Service Desk"
ledger, requests_to = ledger_readers("jira")


@pytest.fixture(params=["cloud", "datacenter"])
def desk(request, clock, tmp_path, monkeypatch):
    with jira_site(request, clock, request.param) as site:
        login, (_, secret) = next(iter(LOGINS[request.param].items()))
        for name, value in {
            "BATON_JIRA_USER": login,
            "BATON_JIRA_SECRET": secret,
            "BATON_JIRA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }.items():
            monkeypatch.setenv(name, value)
        config = tmp_path / "baton.yaml"
        options = json.dumps(deployment_options(request.param))
        config.write_text(DESK + WEBHOOK_CONNECTOR.format(url=site.url, options=options))
        app = build_app(str(config), str(tmp_path / "ledger.db"), clock=clock)
        app.connectors["jira"].http.sleep = site.waits.append
        app.connectors["jira"].clock = clock
        app.poller.poll("jira")  # the first poll only sets the checkpoint
        with TestClient(create_app(app)) as client:
            yield app, site, client


def post(client, site, ticket: str, by: str) -> str:
    body = json.dumps(site.fake.delivery(ticket, by=by)).encode()
    answer = client.post(
        "/hooks/jira/jira",
        content=body,
        headers={"X-Hub-Signature": sign(WEBHOOK_SECRET.encode(), body), "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["outcome"]


def reverts(app, ticket: str) -> list[str]:
    with app.store.engine.connect() as connection:
        keys = connection.execute(select(outbox.c.idempotency_key)).scalars().all()
    return [k for k in keys if k.startswith(f"revert:jira:{ticket}:")]


@pytest.mark.parametrize("first", ["webhook", "poll"])
def test_a_jira_push_delivered_and_polled_is_taken_once(desk, clock, first):
    app, site, client = desk
    ticket = site.fake.create("Printer on fire", assignee="alice", by="rita")
    assert post(client, site, ticket, "rita") == "accepted"  # the creation, by webhook and then by poll
    app.intake.process_pending()
    clock.advance(minutes=1)
    app.poller.poll("jira")
    assert [e.entry_type for e in ledger(app, ticket)] == ["holder-changed"]  # its first holder, once

    clock.advance(minutes=1)
    site.fake.assign(ticket, "carol", by="bob")  # a push: carol never asked for it
    second = "poll" if first == "webhook" else "webhook"
    duplicates = {}
    for path in (first, second):
        polled = app.poller.poll("jira") if path == "poll" else None
        if path == "webhook":
            assert post(client, site, ticket, "bob") == "accepted"
        handled = app.intake.process_pending()
        duplicates[path] = polled.duplicates if polled else handled.duplicates
    assert duplicates[second] >= 1, duplicates  # the second path brought the same change, under the same id

    # as from one path alone: one rule decision (revert), one request to carol, one revert
    assert [e.entry_type for e in ledger(app, ticket)] == ["holder-changed", "rule", "requested"]
    (request,) = requests_to(app, ticket)
    assert request.to_holder == Holder(SD, "carol")
    assert len(reverts(app, ticket)) == 1
