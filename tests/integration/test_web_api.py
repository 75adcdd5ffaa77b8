"""The JSON API and the operations endpoints, through HTTP (TestClient), on a real SQLite store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.store.api_tokens import ApiTokens
from baton_itsm.core.web import create_app

CONFIG = """\
groups:
  Service Desk: {members: [alice, bob], managers: [dana]}
  Network: {members: [carol], managers: [erin]}
"""
TOKEN = "api-token-for-tests"  # the service token: it reads, and acts as nobody
PEOPLE = ("alice", "bob", "carol", "dana", "erin")


@pytest.fixture
def client(tmp_path, monkeypatch, clock):
    (tmp_path / "baton.yaml").write_text(CONFIG)
    monkeypatch.setenv("BATON_API_TOKEN", TOKEN)
    app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
    tokens = {person: ApiTokens(app.store).create(person, clock.now()).token for person in PEOPLE}
    with TestClient(create_app(app)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        client.as_ = lambda person: {"Authorization": f"Bearer {tokens[person]}"}
        yield client
    app.engine.dispose()


def test_request_list_accept_and_ledger(client):
    made = client.post(
        "/api/handoffs",
        json={"ticket": "local:7", "to": "Network", "reason": "switch", "summary": "re-patched the port"},
        headers=client.as_("alice"),
    )
    assert made.status_code == 201
    handoff_id = made.json()["handoff_id"]
    assert [p["handoff_id"] for p in client.get("/api/handoffs", params={"to_group": "Network"}).json()] == [handoff_id]

    refused = client.post(f"/api/handoffs/{handoff_id}/accept", json={}, headers=client.as_("bob"))
    assert refused.status_code == 403 and "bob cannot accept" in refused.json()["detail"]
    accepted = client.post(f"/api/handoffs/{handoff_id}/accept", json={}, headers=client.as_("carol"))
    assert [e["entry_type"] for e in accepted.json()["entries"]] == ["accepted", "applied"]
    again = client.post(f"/api/handoffs/{handoff_id}/accept", json={}, headers=client.as_("carol"))
    assert again.status_code == 409 and "already applied" in again.json()["detail"]
    assert client.get("/api/handoffs").json() == []
    ledger = client.get("/api/tickets/local:7/ledger").json()
    assert [(e["entry_type"], e["to_holder"]) for e in ledger] == [
        ("requested", "Network"),
        ("accepted", None),
        ("applied", "Network/carol"),
    ]


@pytest.mark.parametrize(
    ("path", "person", "body", "status"),
    [
        ("/api/handoffs/nope/accept", "carol", {}, 404),
        ("/api/handoffs", "alice", {"ticket": "local:7", "to": "Nowhere", "reason": "x"}, 422),
        ("/api/handoffs", "alice", {"ticket": "7", "to": "Network", "reason": "x"}, 422),
        ("/api/handoffs", "alice", {"ticket": "local:7", "to": "Network"}, 422),
        ("/api/handoffs/force", "alice", {"ticket": "local:7", "to": "Network", "reason": "x"}, 403),
    ],
)
def test_mistakes_get_a_clear_4xx(client, path, person, body, status):
    response = client.post(path, json=body, headers=client.as_(person))
    assert response.status_code == status and response.json()["detail"]


def test_the_api_needs_a_token(client):
    assert client.get("/api/handoffs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/handoffs", headers={"Authorization": ""}).status_code == 401
    assert client.get("/api/handoffs").status_code == 200  # the service token reads


def test_the_receiver_reviews_and_a_lead_audits_once_each(client):
    alice, carol, erin = client.as_("alice"), client.as_("carol"), client.as_("erin")
    handoff_id = client.post(
        "/api/handoffs", json={"ticket": "local:7", "to": "Network", "reason": "switch"}, headers=alice
    ).json()["handoff_id"]
    path = f"/api/handoffs/{handoff_id}"
    early = client.post(f"{path}/review", json={"needed": True}, headers=carol)
    assert early.status_code == 409 and "only a handoff that took place is reviewed" in early.json()["detail"]
    client.post(f"{path}/accept", json={}, headers=carol)

    not_receiver = client.post(f"{path}/review", json={"needed": False}, headers=alice)
    assert not_receiver.status_code == 403 and "only its receiver (carol) can" in not_receiver.json()["detail"]
    empty = client.post(f"{path}/review", json={}, headers=carol)
    assert empty.status_code == 422 and "answers no question" in empty.json()["detail"]
    assert client.post(f"{path}/review", json={"timely": "soon"}, headers=carol).status_code == 422
    reviewed = client.post(
        f"{path}/review",
        json={"needed": False, "prepared": True, "timely": "late", "note": "it was in the KB"},
        headers=carol,
    )
    assert reviewed.status_code == 200
    assert [(e["entry_type"], e["by"]) for e in reviewed.json()["entries"]] == [("reviewed", "carol")]
    twice = client.post(f"{path}/review", json={"needed": True}, headers=carol)
    assert twice.status_code == 409 and "already reviewed" in twice.json()["detail"]

    own = client.post(f"{path}/audit", json={"needed": True}, headers=carol)
    assert own.status_code == 403 and "the receiver reviews it, a lead audits it" in own.json()["detail"]
    audited = client.post(f"{path}/audit", json={"needed": True}, headers=erin)
    assert [(e["entry_type"], e["by"]) for e in audited.json()["entries"]] == [("audited", "erin")]
    assert client.post("/api/handoffs/nope/audit", json={"needed": True}, headers=erin).status_code == 404


def test_the_openapi_describes_the_api_only(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/handoffs" in paths and "/api/handoffs/{handoff_id}/accept" in paths
    assert {"/api/handoffs/{handoff_id}/review", "/api/handoffs/{handoff_id}/audit"} <= set(paths)
    assert not any(p.startswith("/handoff/") or p in ("/healthz", "/metrics") for p in paths)


def test_metrics_count_events_decisions_and_queues(client):
    client.post(
        "/api/handoffs", json={"ticket": "local:7", "to": "Network", "reason": "switch"}, headers=client.as_("alice")
    )
    text = client.get("/metrics").text
    assert 'baton_ledger_entries_total{type="requested"} 1' in text
    assert 'baton_timers{state="waiting"} 2' in text  # the acceptance reminder and timeout
    assert "# TYPE baton_outbox_items gauge" in text and "# TYPE baton_outbox_sent_total counter" in text
