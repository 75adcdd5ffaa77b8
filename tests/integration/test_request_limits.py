"""Every route that takes a body has a size limit (core/web/limits.py), through HTTP on a real SQLite store.

The API and the link-page forms take 64 KiB, webhook deliveries 1 MiB (`service.http`); a body over its
route's limit is answered 413 whether it declares its length or comes chunked, and nothing is recorded. A
body under the limit reaches the route as before. The memory a refused body costs the real server is
measured in test_http_body_limits.py.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.notify.links import ACCEPT_PATH
from baton_itsm.core.store.api_tokens import ApiTokens
from baton_itsm.core.web import create_app

CONFIG = """\
groups:
  Service Desk: {members: [alice, bob], managers: [dana]}
  Network: {members: [carol], managers: [erin]}
"""
KIB = 1024


def client_for(tmp_path, clock, config: str = CONFIG) -> TestClient:
    """A client acting as alice, through her own API token."""
    (tmp_path / "baton.yaml").write_text(config)
    app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
    client = TestClient(create_app(app))
    client.headers["Authorization"] = f"Bearer {ApiTokens(app.store).create('alice', clock.now()).token}"
    return client


@pytest.fixture
def client(tmp_path, clock):
    with client_for(tmp_path, clock) as client:
        yield client


def handoff(summary: str) -> bytes:
    return b'{"ticket": "local:7", "to": "Network", "reason": "switch", "summary": "%s"}' % summary.encode()


def chunked(body: bytes):
    """The body in 4 KiB pieces without a Content-Length, as a streaming client sends it."""
    return (body[at : at + 4 * KIB] for at in range(0, len(body), 4 * KIB))


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_an_api_call_over_64_kib_gets_413_and_records_nothing(client, framing):
    body = handoff("x" * 65 * KIB)
    answer = client.post(
        "/api/handoffs",
        content=body if framing == "content-length" else chunked(body),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413 and answer.json() == {"detail": "request body over 65536 bytes"}
    assert answer.headers["connection"] == "close"
    assert client.get("/api/handoffs").json() == []


def test_an_api_call_under_the_limit_is_taken_as_before(client):
    answer = client.post("/api/handoffs", content=handoff("x" * 60 * KIB), headers={"Content-Type": "application/json"})
    assert answer.status_code == 201


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_link_page_form_over_64_kib_gets_413(client, framing):
    body = b"t=" + b"x" * 65 * KIB
    answer = client.post(
        ACCEPT_PATH,
        content=body if framing == "content-length" else chunked(body),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413


def test_a_webhook_delivery_may_be_larger_and_is_refused_in_the_webhooks_own_shape(client):
    under = client.post("/hooks/rest/rt", content=b"x" * 512 * KIB)
    assert under.status_code == 404  # under 1 MiB: the route itself answers (there is no such instance)
    answer = client.post("/hooks/rest/rt", content=b"x" * (KIB * KIB + 1))
    assert answer.status_code == 413
    assert answer.json() == {"outcome": "anomalous", "reason": "request body over 1048576 bytes"}


def test_the_limits_are_the_deployments(tmp_path, clock):
    config = CONFIG + "service:\n  http: {max_body_bytes: 2048}\n"
    with client_for(tmp_path, clock, config) as client:
        assert (
            client.post(
                "/api/handoffs", content=handoff("x" * 3000), headers={"Content-Type": "application/json"}
            ).status_code
            == 413
        )
        assert (
            client.post(
                "/api/handoffs", content=handoff("x" * 100), headers={"Content-Type": "application/json"}
            ).status_code
            == 201
        )
