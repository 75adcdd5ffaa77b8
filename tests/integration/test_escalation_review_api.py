"""The escalation review API through HTTP (TestClient), on a SQLite store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.store.api_tokens import ApiTokens
from baton_itsm.core.web import create_app
from tests.integration.escalation_desk import CONFIG, EDITORS, escalate

TOKEN = "api-token-for-tests"


@pytest.fixture
def client(tmp_path, monkeypatch, clock):
    (tmp_path / "baton.yaml").write_text(CONFIG)
    monkeypatch.setenv("BATON_API_TOKEN", TOKEN)
    app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
    escalate(app)
    tokens = {person: ApiTokens(app.store).create(person, clock.now()).token for person in [*EDITORS, "bob"]}
    with TestClient(create_app(app)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"  # the service token: it reads
        client.as_ = lambda person: {"Authorization": f"Bearer {tokens[person]}"}
        yield client
    app.engine.dispose()


def test_edit_link_close_and_reopen_through_the_api(client):
    [listed] = client.get("/api/escalation-reviews").json()
    assert listed["handoff_id"] == "esc1" and listed["editors"] == EDITORS and listed["state"] == "open"
    assert listed["sections"] == dict.fromkeys(["cause", "steps", "problems", "helped", "prevention"], "")

    erin, mia, quinn = client.as_("erin"), client.as_("mia"), client.as_("quinn")
    edited = client.patch(
        "/api/escalation-reviews/esc1",
        json={"cause": "refund rules unclear", "cause_kind": "Service Decision"},
        headers=erin,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["filled"] == ["cause"] and edited.json()["cause_kind"] == "service decision"
    linked = client.post(
        "/api/escalation-reviews/esc1/link", json={"change": "rule", "reference": "rules.yaml@4f2a1c"}, headers=mia
    )
    assert [c["reference"] for c in linked.json()["changes"]] == ["rules.yaml@4f2a1c"]

    early = client.post("/api/escalation-reviews/esc1/close", json={}, headers=mia)
    assert early.status_code == 422 and "says nothing yet on prevention" in early.json()["detail"]
    client.patch("/api/escalation-reviews/esc1", json={"prevention": "a KB article on refunds"}, headers=mia)
    closed = client.post("/api/escalation-reviews/esc1/close", json={"note": "done"}, headers=mia)
    assert closed.status_code == 200 and closed.json()["closed_by"] == "mia"
    assert client.get("/api/escalation-reviews").json() == []
    assert [r["handoff_id"] for r in client.get("/api/escalation-reviews", params={"state": "closed"}).json()] == [
        "esc1"
    ]

    after = client.patch("/api/escalation-reviews/esc1", json={"helped": "x"}, headers=mia)
    assert after.status_code == 409 and "reopen it to edit it" in after.json()["detail"]
    reopened = client.post("/api/escalation-reviews/esc1/reopen", json={"reason": "more to say"}, headers=quinn)
    assert reopened.json()["state"] == "open"
    assert client.post("/api/escalation-reviews/esc1/reopen", json={}, headers=quinn).status_code == 409
    assert client.get("/api/escalation-reviews/esc1").json()["state"] == "open"
    assert len(client.get("/api/escalation-reviews", params={"state": "all"}).json()) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("patch", "/api/escalation-reviews/esc1", {"by": "bob", "cause": "x"}, 403, "bob cannot edit the review"),
        ("patch", "/api/escalation-reviews/esc1", {"by": "mia", "responsible": "bob"}, 422, "no section 'responsible'"),
        (
            "patch",
            "/api/escalation-reviews/esc1",
            {"by": "mia", "who": "bob", "cause": "late"},
            422,
            "no section 'who'",
        ),
        (
            "patch",
            "/api/escalation-reviews/esc1",
            {"by": "mia", "cause_kind": "fate"},
            422,
            "choose one of: service decision, process gap, other",
        ),
        ("patch", "/api/escalation-reviews/nope", {"by": "mia", "cause": "x"}, 404, "no handoff nope"),
        ("get", "/api/escalation-reviews/nope", None, 404, "no escalation review for handoff nope"),
        (
            "post",
            "/api/escalation-reviews/esc1/link",
            {"by": "mia", "change": "rule", "reference": " "},
            422,
            "say where the change is",
        ),
        ("post", "/api/escalation-reviews/esc1/link", {"by": "mia", "change": "budget", "reference": "x"}, 422, ""),
        ("get", "/api/escalation-reviews?state=pending", None, 422, ""),
    ],
)
def test_mistakes_get_a_clear_4xx(client, method, path, body, status, message):
    acting = client.as_(body["by"]) if body and "by" in body else {}
    response = client.request(method, path, json=body, headers=acting)
    assert response.status_code == status and response.json()["detail"]
    assert message in str(response.json()["detail"])


def test_the_api_needs_the_token_and_is_in_the_openapi(client):
    assert client.get("/api/escalation-reviews", headers={"Authorization": "Bearer wrong"}).status_code == 401
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/escalation-reviews/{handoff_id}"])
    assert {
        "/api/escalation-reviews",
        "/api/escalation-reviews/{handoff_id}/link",
        "/api/escalation-reviews/{handoff_id}/close",
        "/api/escalation-reviews/{handoff_id}/reopen",
    } <= set(paths)
