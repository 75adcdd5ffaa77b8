"""Away periods set by `baton away` and by the API land in the store, and a process that did not set them (another
App on the same database, as another `baton run` would be) reroutes by them; capacity counts the tickets a person
holds in the store. What a user checks: the command's words, the API's answers, the ledger's entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.web import create_app
from tests.integration.test_api_identity import SERVICE_TOKEN, baton, bearer, token_for

CONFIG = """\
groups:
  Service Desk: {members: [alice, bob], managers: [dana]}
  Network: {members: [carol, frank], managers: [erin]}
people:
  frank: {capacity: 1}
"""


@pytest.fixture
def desk(tmp_path, monkeypatch):
    (tmp_path / "baton.yaml").write_text(CONFIG)
    monkeypatch.setenv("BATON_API_TOKEN", SERVICE_TOKEN)
    return tmp_path


@pytest.fixture
def api(desk):
    app = build_app(str(desk / "baton.yaml"), str(desk / "ledger.db"))
    with TestClient(create_app(app)) as client:
        yield client
    app.engine.dispose()


def ask_carol(api, token: str, ticket: str = "local:7"):
    asked = api.post(
        "/api/handoffs",
        json={"ticket": ticket, "to": "Network/carol", "reason": "switch port dead"},
        headers=bearer(token),
    )
    assert asked.status_code == 201, asked.text
    return asked.json()["entries"]


def test_baton_away_sets_a_period_every_process_reroutes_by(desk, api):
    until = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    set_away = baton(desk, "away", "carol", "--until", until, "--deputy", "frank", "--note", "training")
    assert set_away.exit_code == 0, set_away.output
    assert "carol away from" in set_away.output and "requests to them go to their deputy frank" in set_away.output

    entries = ask_carol(api, token_for(desk, "alice"))  # the API's App did not set it: it reads the store
    assert [(e["entry_type"], e["to_holder"]) for e in entries] == [
        ("requested", "Network/frank"),
        ("rule", "Network/frank"),
    ]
    assert entries[1]["from_holder"] == "Network/carol"
    assert entries[1]["reason"].startswith("carol is away (training) until ")
    assert entries[1]["reason"].endswith("; frank deputises")

    listed = baton(desk, "away", "--list", "--format", "json")
    (row,) = json.loads(listed.output)
    assert (row["person"], row["deputy"], row["note"], row["source"]) == ("carol", "frank", "training", "store")
    cancelled = baton(desk, "away", "--cancel", str(row["id"]))
    assert cancelled.exit_code == 0 and f"away period {row['id']} of carol cancelled" in cancelled.output
    again = ask_carol(api, token_for(desk, "alice"), "local:8")
    assert [(e["entry_type"], e["to_holder"]) for e in again] == [("requested", "Network/carol")]
    report = baton(desk, "report", "--format", "json", "--no-charts")
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["rule_outcomes"] == {"away: to-deputy": 1}, "the report counts the reroute"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("carol",), "name the person and the last day away"),
        (("carl", "--until", "2099-01-01"), "'carl' is not a person of this deployment"),
        (("carol", "--until", "2099-01-01", "--deputy", "fred"), "'fred' is not a person of this deployment"),
        (("carol", "--until", "2099-01-01", "--deputy", "carol"), "carol cannot deputise for themselves"),
        (("carol", "--until", "tomorrow"), "expected a date (2026-12-24)"),
        (("carol", "--from", "2099-01-01T09:00", "--until", "2099-01-02"), "no time zone"),
        (("carol", "--from", "2099-01-05", "--until", "2099-01-02"), "must end after it starts"),
        (("carol", "--from", "2020-01-01", "--until", "2020-01-02"), "that period ended already"),
        (("--cancel", "99"), "no away period 99"),
    ],
)
def test_baton_away_refuses_bad_input_clearly(desk, args, message):
    result = baton(desk, "away", *args)
    assert result.exit_code != 0 and message in result.stderr, result.output


def test_the_api_sets_a_person_s_own_period_or_a_managed_one_and_lists_and_cancels_it(desk, api):
    carol, alice, erin = (bearer(token_for(desk, p)) for p in ("carol", "alice", "erin"))
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    own = api.post("/api/away", json={"until": until, "deputy": "frank"}, headers=carol)
    assert own.status_code == 201, own.text
    assert (own.json()["person"], own.json()["deputy"], own.json()["source"]) == ("carol", "frank", "store")
    refused = api.post("/api/away", json={"person": "carol", "until": until}, headers=alice)
    assert refused.status_code == 403 and "alice may set only their own away periods" in refused.json()["detail"]
    managed = api.post("/api/away", json={"person": "frank", "until": until}, headers=erin)
    assert managed.status_code == 201, managed.text
    bad = api.post("/api/away", json={"until": "soon"}, headers=carol)
    assert bad.status_code == 422 and "expected a date" in bad.json()["detail"]
    read_only = api.post("/api/away", json={"until": until}, headers=bearer(SERVICE_TOKEN))
    assert read_only.status_code == 403

    listed = api.get("/api/away", headers=bearer(SERVICE_TOKEN)).json()
    assert sorted((p["person"], p["deputy"]) for p in listed) == [("carol", "frank"), ("frank", None)]
    assert "from" in listed[0]
    # carol away, her deputy frank away too: the queue
    entries = ask_carol(api, token_for(desk, "alice"))
    assert [(e["entry_type"], e["to_holder"]) for e in entries] == [("requested", "Network"), ("rule", "Network")]
    assert "and their deputy frank is away too" in entries[1]["reason"]

    forbidden = api.delete(f"/api/away/{own.json()['id']}", headers=alice)
    assert forbidden.status_code == 403
    gone = api.delete(f"/api/away/{own.json()['id']}", headers=carol)
    assert gone.status_code == 200
    assert [p["person"] for p in api.get("/api/away", headers=carol).json()] == ["frank"]


def test_a_request_to_someone_at_capacity_goes_to_the_queue(desk, api):
    erin, alice = bearer(token_for(desk, "erin")), token_for(desk, "alice")
    forced = api.post(
        "/api/handoffs/force", json={"ticket": "local:1", "to": "Network/frank", "reason": "outage"}, headers=erin
    )
    assert forced.status_code == 201, forced.text  # frank now holds one open ticket: his capacity
    asked = api.post(
        "/api/handoffs", json={"ticket": "local:2", "to": "Network/frank", "reason": "port"}, headers=bearer(alice)
    )
    entries = asked.json()["entries"]
    assert [(e["entry_type"], e["to_holder"]) for e in entries] == [("requested", "Network"), ("rule", "Network")]
    assert entries[1]["reason"] == "frank holds 1 open tickets, their capacity (1): the Network queue takes it"
