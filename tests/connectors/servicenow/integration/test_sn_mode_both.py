"""`mode: both` on ServiceNow: a change the business rule delivers and the poll reads from sys_audit is taken once.

The fake instance runs on loopback (no cassette: the deliveries are made from its records, as the business rule
makes them). Baton is its own composition root with a SQLite ledger; the push is posted to its webhook route and
polled, in both orders, and the ledger holds one holder change, one rule decision and one revert, as if only one
path had seen it.
"""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.web import create_app
from tests.connectors.servicenow.integration import business_rule
from tests.connectors.servicenow.integration.conftest import ENV, GROUPS, PASSWORDS, START, Tool
from tests.connectors.servicenow.integration.fake_instance import FakeInstance
from tests.connectors.servicenow.integration.fake_server import FakeServer
from tests.desk import DESK, ledger_readers

SD = "Service Desk"
CONNECTOR = """\
connectors:
  sn:
    type: servicenow
    url: {url}
    account: baton
    mode: both
    auth: {{username_env: SN_USER, password_env: SN_PASSWORD}}
    webhook_secret_env: SN_WEBHOOK_SECRET
    options: {{table: incident}}
"""
ledger, _ = ledger_readers("sn")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """The fake instance on loopback, and Baton watching it in mode both from now on."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    instance = FakeInstance(now=START)
    for user, password in PASSWORDS.items():
        instance.add_user(user, password)
    for group in GROUPS:
        instance.add_group(group)
    with FakeServer(instance) as server:
        config = tmp_path / "baton.yaml"
        config.write_text(DESK + CONNECTOR.format(url=server.url))
        app = build_app(str(config), str(tmp_path / "ledger.db"), clock=FixedClock(START))
        app.connectors["sn"].clock = app.clock
        app.connectors["sn"].http.sleep = lambda seconds: None
        app.poller.poll("sn")  # the first poll only sets the checkpoint
        with TestClient(create_app(app)) as client:
            yield instance, Tool(server.url, server), app, client


def record(instance: FakeInstance, number: str) -> dict:
    return copy.deepcopy(next(r for r in instance.tables["incident"].values() if r["number"] == number))


def post(client, app, instance, number, previous, actor) -> str:
    headers, body = business_rule.delivery(
        instance,
        number,
        previous,
        actor=actor,
        secret=ENV["SN_WEBHOOK_SECRET"].encode(),
        signed_at=int(app.clock.now().timestamp()),
    )
    answer = client.post("/hooks/servicenow/sn", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["outcome"]


def reverts(app, number: str) -> list[str]:
    with app.store.engine.connect() as connection:
        keys = connection.execute(select(outbox.c.idempotency_key)).scalars().all()
    return [k for k in keys if k.startswith(f"revert:sn:{number}:")]


@pytest.mark.parametrize("first", ["webhook", "poll"])
def test_a_push_delivered_and_polled_is_taken_once(site, first):
    instance, tool, app, client = site
    number = tool.agent("dana").create(SD, "alice", "Printer on fire")
    assert post(client, app, instance, number, None, "dana") == "accepted"
    app.intake.process_pending()
    app.poller.poll("sn")  # the creation, read from the table and sys_audit too: already taken
    assert [e.entry_type for e in ledger(app, number)] == ["holder-changed"]  # its first holder, once

    before = record(instance, number)
    tool.agent("alice").assign(number, person="carol")  # a push: carol never asked for it
    duplicates = {}
    for path in (first, "poll" if first == "webhook" else "webhook"):
        polled = app.poller.poll("sn") if path == "poll" else None
        if path == "webhook":
            assert post(client, app, instance, number, before, "alice") == "accepted"
        handled = app.intake.process_pending()
        duplicates[path] = polled.duplicates if polled else handled.duplicates
    second = "poll" if first == "webhook" else "webhook"
    # the second path brought the same change under the same id (a poll also re-reads what it read before)
    assert duplicates[second] >= 1, duplicates

    # as from one path alone: the push is one rule decision (revert) and one request to carol, and one revert
    assert [e.entry_type for e in ledger(app, number)] == ["holder-changed", "rule", "requested"]
    (request,) = [e for e in ledger(app, number) if e.entry_type == "requested"]
    assert request.to_holder == Holder(SD, "carol")
    assert len(reverts(app, number)) == 1
