"""Problem 11 of issue 16: people act as themselves. A call acts as the person whose token it carries (made by
`baton token create --for NAME`, shown once, stored hashed); a body's `by` cannot make it someone else, and the
shared service token acts as nobody, so `"by": "erin"` no longer forces a handoff as a manager."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton_itsm.core.app import build_app
from baton_itsm.core.cli.main import cli
from baton_itsm.core.web import create_app

CONFIG = """\
groups:
  Service Desk: {members: [alice, bob], managers: [dana]}
  Network: {members: [carol], managers: [erin]}
"""
SERVICE_TOKEN = "service-token-0123456789abcdef"
FORCE = {"ticket": "local:7", "to": "Network/carol", "reason": "outage"}


@pytest.fixture
def desk(tmp_path, monkeypatch):
    (tmp_path / "baton.yaml").write_text(CONFIG)
    monkeypatch.setenv("BATON_API_TOKEN", SERVICE_TOKEN)
    return tmp_path


def baton(desk, *args: str):
    return CliRunner().invoke(
        cli, ["--config", str(desk / "baton.yaml"), "--db", str(desk / "ledger.db"), *args], catch_exceptions=False
    )


def token_for(desk, person: str) -> str:
    made = baton(desk, "token", "create", "--for", person)
    assert made.exit_code == 0, made.output
    return made.stdout.strip()


@pytest.fixture
def api(desk):
    app = build_app(str(desk / "baton.yaml"), str(desk / "ledger.db"))
    with TestClient(create_app(app)) as client:
        client.ledger = lambda: client.get("/api/tickets/local:7/ledger", headers=bearer(SERVICE_TOKEN)).json()
        yield client
    app.engine.dispose()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_shared_token_cannot_act_as_a_manager(api):
    forced = api.post("/api/handoffs/force", json={**FORCE, "by": "erin"}, headers=bearer(SERVICE_TOKEN))
    assert forced.status_code == 403 and "acts as nobody" in forced.json()["detail"]
    assert api.ledger() == []


def test_erins_own_token_forces_as_erin(desk, api):
    forced = api.post("/api/handoffs/force", json=FORCE, headers=bearer(token_for(desk, "erin")))
    assert forced.status_code == 201, forced.text
    assert [(e["entry_type"], e["by"]) for e in api.ledger()] == [("forced", "erin"), ("applied", "erin")]


def test_alices_token_cannot_claim_to_be_erin(desk, api):
    alice = bearer(token_for(desk, "alice"))
    claimed = api.post("/api/handoffs/force", json={**FORCE, "by": "erin"}, headers=alice)
    assert claimed.status_code == 403 and "acts as alice, not as 'erin'" in claimed.json()["detail"]
    as_herself = api.post("/api/handoffs/force", json=FORCE, headers=alice)
    assert as_herself.status_code == 403 and "alice" in as_herself.json()["detail"]  # not a manager of Network
    assert api.ledger() == []


def test_a_revoked_token_is_refused(desk, api):
    token = token_for(desk, "erin")
    assert api.get("/api/handoffs", headers=bearer(token)).status_code == 200
    token_id = token.split("_", 2)[1]
    revoked = baton(desk, "token", "revoke", token_id)
    assert revoked.exit_code == 0 and f"token {token_id} of erin revoked" in revoked.output
    assert api.get("/api/handoffs", headers=bearer(token)).status_code == 401
    assert api.post("/api/handoffs/force", json=FORCE, headers=bearer(token)).status_code == 401
    assert "erin" not in baton(desk, "token", "list").output
    assert "erin" in baton(desk, "token", "list", "--all").output


def test_a_token_is_shown_once_and_stored_only_as_its_hash(desk, api):
    from baton_itsm.core.store.schema import api_tokens  # here: the file also runs against Baton before tokens

    made = baton(desk, "token", "create", "--for", "carol", "--note", "chat bot")
    token = made.stdout.strip()
    assert token.startswith("baton_") and len(token) > 40 and "not shown again" in made.stderr
    listed = baton(desk, "token", "list")
    assert "carol" in listed.output and "chat bot" in listed.output and token not in listed.output
    app = build_app(str(desk / "baton.yaml"), str(desk / "ledger.db"))
    with app.engine.connect() as connection:
        [row] = connection.execute(select(api_tokens)).all()
    app.engine.dispose()
    assert row.person == "carol" and row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    secret = token.split("_", 2)[2]  # the part after baton_<id>_; urlsafe base64, so it may itself hold "_"
    assert len(secret) >= 40
    assert not any(token in str(value) or secret in str(value) for value in row)
    assert (desk / "ledger.db").read_bytes().find(secret.encode()) == -1  # nowhere in the file


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer wrong", "Basic ZXJpbjpwdw==", "Bearer baton_x_\u00e9", "Bearer baton_" + "x" * 10_000],
)
def test_missing_or_unknown_tokens_are_refused(api, header):
    given = header.encode("latin-1")  # a header of any bytes: what a client may send
    assert api.get("/api/handoffs", headers={"Authorization": given}).status_code == 401


def test_a_token_for_someone_the_deployment_does_not_name_is_refused(desk):
    made = CliRunner().invoke(
        cli, ["--config", str(desk / "baton.yaml"), "--db", str(desk / "ledger.db"), "token", "create", "--for", "eirn"]
    )
    assert made.exit_code == 1 and "'eirn' is not a person of this deployment" in made.output
    assert "eirn" not in baton(desk, "token", "list", "--all").output
