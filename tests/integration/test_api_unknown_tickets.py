"""Problem 9 of issue 16: the API answers 404 for a handoff on an instance the deployment does not have, or on
a ticket the tool does not show Baton, and then records nothing and emails nobody (it used to answer 201, write
a ledger entry and email the receiver). The tool is the in-memory ServiceNow on loopback; mail is aiosmtpd."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.store.api_tokens import ApiTokens
from baton_itsm.core.web import create_app
from tests.connectors.servicenow.integration.fake_instance import FakeInstance
from tests.connectors.servicenow.integration.fake_server import FakeServer

CONFIG = """\
groups:
  Service Desk: {{members: [alice], managers: [dana]}}
  Network: {{members: [carol], managers: [erin]}}
people:
  carol: {{email: carol@example.com}}
connectors:
  sn:
    type: servicenow
    url: {url}
    account: baton
    auth: {{username_env: SN_USER, password_env: SN_PASSWORD}}
notifications:
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com}}
"""


@pytest.fixture
def desk(tmp_path, monkeypatch, clock, mail_server):
    instance = FakeInstance(now=clock.now())
    for user in ("baton", "alice", "carol"):
        instance.add_user(user, f"{user}-pw")
    for group in ("Service Desk", "Network"):
        instance.add_group(group)
    number = instance.insert("incident", {"short_description": "switch port dead"}, by="alice")["number"]
    monkeypatch.setenv("SN_USER", "baton")
    monkeypatch.setenv("SN_PASSWORD", "baton-pw")
    with FakeServer(instance) as server:
        (tmp_path / "baton.yaml").write_text(CONFIG.format(url=server.url, smtp_port=mail_server.port))
        app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
        alice = ApiTokens(app.store).create("alice", clock.now()).token
        with TestClient(create_app(app)) as client:
            client.headers["Authorization"] = f"Bearer {alice}"
            yield app, client, number
        app.engine.dispose()


def ask(client, ticket: str):
    return client.post("/api/handoffs", json={"ticket": ticket, "to": "Network", "reason": "switch port dead"})


def entries(app, ticket: str) -> list[str]:
    return [entry.event.entry_type for entry in app.handoffs.ledger(TicketKey.parse(ticket))]


def drain(app) -> None:
    while app.dispatcher.run_once().sent:
        pass


@pytest.mark.parametrize(
    ("ticket", "said"),
    [
        ("nowhere:1", "no tool instance 'nowhere' in this deployment (known: sn)"),
        ("sn:INC9999999", "sn has no ticket INC9999999 that Baton's account can see"),
    ],
)
def test_a_handoff_on_a_ticket_baton_cannot_reach_is_404_and_does_nothing(desk, mail_server, ticket, said):
    app, client, _ = desk
    refused = ask(client, ticket)
    assert refused.status_code == 404 and said in refused.json()["detail"]
    drain(app)
    assert entries(app, ticket) == [] and mail_server.received == []


def test_a_handoff_on_a_ticket_the_tool_shows_is_taken_and_the_receiver_told(desk, mail_server):
    app, client, number = desk
    made = ask(client, f"sn:{number}")
    assert made.status_code == 201, made.text
    drain(app)
    assert entries(app, f"sn:{number}") == ["requested"]
    assert [m.envelope_to for m in mail_server.received] == [["carol@example.com"]]


def test_the_ledger_of_an_unknown_instance_is_404(desk):
    _, client, _ = desk
    assert client.get("/api/tickets/nowhere:1/ledger").status_code == 404


@pytest.mark.parametrize(
    ("ticket", "said"),
    [
        ("nowhere:1", "no tool instance 'nowhere' in this deployment (known: sn)"),
        ("sn:INC9999999", "sn has no ticket INC9999999 that Baton's account can see"),
    ],
)
def test_the_cli_refuses_the_same_tickets_as_the_api(desk, mail_server, tmp_path, ticket, said):
    from click.testing import CliRunner

    from baton_itsm.core.cli.main import cli

    app, _, _ = desk
    refused = CliRunner().invoke(
        cli,
        [
            "--config",
            str(tmp_path / "baton.yaml"),
            "--db",
            str(tmp_path / "ledger.db"),
            "handoff",
            "request",
            ticket,
            "--to",
            "Network",
            "--by",
            "alice",
            "--reason",
            "switch port dead",
        ],
    )
    assert refused.exit_code == 1 and said in refused.output
    drain(app)
    assert entries(app, ticket) == [] and mail_server.received == []
