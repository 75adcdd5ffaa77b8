"""What a tool hears from Baton's webhook endpoint, now that deliveries take a lane of their own beside FastAPI
(core/web/webhooks.py): the answers a sender relies on are those FastAPI gave, through the real app on a SQLite
file, and every other path is still FastAPI's."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, text

from baton_itsm.core.store.schema import inbox
from tests.connectors.rest.rt_deliveries import owner_change, signature
from tests.integration.webhook_fuzz import NOW, SECRETS, running_service

AT = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def service(tmp_path, monkeypatch):
    with running_service(tmp_path, monkeypatch) as running:
        yield running


def post(client, body: bytes, path: str = "/hooks/rest/rt"):
    sign = signature(body, SECRETS["RT_WEBHOOK_SECRET"])
    return client.post(path, content=body, headers={"X-Baton-Signature": sign, "Content-Type": "application/json"})


def kept(app) -> int:
    with app.store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(inbox)).scalar_one()


def test_a_delivery_is_accepted_once_and_a_repeat_is_answered_duplicate(service):
    app, client = service
    body = owner_change(501, 7, "alice", "carol", "bob", AT)

    first, again = post(client, body), post(client, body)

    assert first.status_code == 200 and first.json() == {"outcome": "accepted", "reason": "1 event(s) kept"}
    assert first.headers["content-type"] == "application/json"
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert kept(app) == 1


def test_a_wrong_signature_is_refused_with_400_and_nothing_is_kept(service):
    app, client = service
    body = owner_change(502, 7, "alice", "carol", "bob", AT)

    answer = client.post("/hooks/rest/rt", content=body, headers={"X-Baton-Signature": "sha256=" + "0" * 64})

    assert answer.status_code == 400 and answer.json()["outcome"] == "anomalous"
    assert kept(app) == 0


@pytest.mark.parametrize("path", ["/hooks/rest/nowhere", "/hooks/jira/rt"])
def test_an_instance_that_takes_no_deliveries_of_that_tool_answers_404(service, path):
    app, client = service

    answer = post(client, owner_change(503, 7, "alice", "carol", "bob", AT), path)

    assert answer.status_code == 404 and answer.json()["outcome"] == "unknown"
    assert kept(app) == 0


def test_another_method_on_a_webhook_path_is_405_naming_post(service):
    _, client = service

    answer = client.get("/hooks/rest/rt")

    assert answer.status_code == 405 and answer.headers["allow"] == "POST"
    assert answer.json() == {"detail": "Method Not Allowed"}


def test_other_paths_are_still_the_web_app_s(service):
    _, client = service

    assert client.post("/hooks/rest", content=b"{}").status_code == 404  # not a webhook path: FastAPI's 404
    assert client.post("/hooks/rest/rt/more", content=b"{}").status_code == 404
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/api/openapi.json").status_code == 200


def test_a_delivery_the_store_fails_to_keep_is_answered_500_so_the_tool_sends_it_again(service, caplog):
    app, client = service
    with app.store.engine.begin() as connection:  # the store refuses every write of the inbox
        connection.execute(text("ALTER TABLE inbox RENAME TO inbox_away"))

    with caplog.at_level(logging.ERROR):
        answer = post(client, owner_change(504, 7, "alice", "carol", "bob", AT))

    with app.store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE inbox_away RENAME TO inbox"))
    assert answer.status_code == 500
    assert kept(app) == 0
    assert "no such table: inbox" in caplog.text, "the failure is logged for the admin, not only answered"
