"""The API's decline takes a `reason_code` of the desk's catalog; the ledger keeps the code, and an unknown code
is refused with the codes the desk has."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.web import create_app
from tests.integration.test_api_identity import SERVICE_TOKEN, bearer, token_for

CONFIG = """\
groups:
  Service Desk: {members: [alice], managers: [dana]}
  Network: {members: [carol], managers: [erin]}
rules:
  decline_reasons:
    - {code: not-network, words: not a network fault, suggested_group: Service Desk}
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


def test_a_decline_by_api_names_its_reason_code(desk, api):
    alice, carol = bearer(token_for(desk, "alice")), bearer(token_for(desk, "carol"))
    asked = api.post(
        "/api/handoffs", json={"ticket": "local:7", "to": "Network", "reason": "switch port dead"}, headers=alice
    )
    assert asked.status_code == 201, asked.text
    handoff = asked.json()["handoff_id"]
    unknown = api.post(f"/api/handoffs/{handoff}/decline", json={"reason_code": "not-mine"}, headers=carol)
    assert unknown.status_code == 422 and "use one of: not-network" in unknown.json()["detail"]
    declined = api.post(
        f"/api/handoffs/{handoff}/decline", json={"reason_code": "not-network", "reason": "cabling"}, headers=carol
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["entries"][0]["reason"] == "not a network fault: cabling"
    ledger = api.get("/api/tickets/local:7/ledger", headers=bearer(SERVICE_TOKEN)).json()
    assert ledger[-1]["entry_type"] == "declined" and ledger[-1]["reason_code"] == "not-network"
