"""Fuzz: at least 10,000 generated deliveries per connector, through the real app, never get a 5xx.

Every answer is a 2xx or a 4xx with a JSON `outcome`; the inbox worker then handles every accepted delivery
without a failure; /healthz answers 200 (the tools, a loopback fake, stay reachable); and a valid delivery of
each tool is still accepted and makes ledger entries. Seeded: BATON_FUZZ_SEED replays a run (the seed is
printed, and named in every assertion message); BATON_FUZZ_DELIVERIES changes the count per connector.
"""
from __future__ import annotations

import json
import logging
import os
import random
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import TicketKey
from tests.desk import DESK
from tests.integration import webhook_fuzz
from tests.integration.loopback import LoopbackServer
from tests.unit.connectors.jira_fixtures import fixture

SEED = int(os.environ.get("BATON_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
PER_TOOL = int(os.environ.get("BATON_FUZZ_DELIVERIES", "10000"))
NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
SECRETS = {"SN_WEBHOOK_SECRET": b"sn-secret", "JIRA_WEBHOOK_SECRET": b"jira-secret", "RT_WEBHOOK_SECRET": b"rt-sec"}
CONNECTORS = """\
connectors:
  sn:
    type: servicenow
    url: {url}
    account: baton
    mode: webhook
    auth: {{username_env: TOOL_USER, password_env: TOOL_PASSWORD}}
    webhook_secret_env: SN_WEBHOOK_SECRET
  jira:
    type: jira
    url: {url}
    account: baton
    mode: webhook
    auth: {{username_env: TOOL_USER, password_env: TOOL_PASSWORD}}
    webhook_secret_env: JIRA_WEBHOOK_SECRET
    options: {{deployment: cloud}}
  rt:
    type: rest
    url: {url}/REST/2.0
    account: baton
    mode: webhook
    auth: {{type: basic, username_env: TOOL_USER, password_env: TOOL_PASSWORD}}
    webhook_secret_env: RT_WEBHOOK_SECRET
    options: {{profile: request-tracker5}}
"""


def every_tool_answers(method: str, path: str, headers: dict, body: bytes):
    """What each connector's check() reads, in one answer: ServiceNow's sys_user row, Jira's /myself, RT's user."""
    me = {"result": [{"sys_id": "u0"}], "accountId": "baton-account", "name": "baton", "displayName": "Baton",
          "timeZone": "UTC", "id": "baton"}
    return 200, {"Content-Type": "application/json"}, json.dumps(me).encode()


@pytest.fixture
def service(tmp_path, monkeypatch):
    clock = FixedClock(NOW)
    for name, value in {"TOOL_USER": "baton", "TOOL_PASSWORD": "pw", **{k: v.decode() for k, v in SECRETS.items()}
                        }.items():
        monkeypatch.setenv(name, value)
    with LoopbackServer(every_tool_answers) as tools:
        (tmp_path / "baton.yaml").write_text(DESK + CONNECTORS.format(url=tools.url))
        app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
        for connector in app.connectors.values():
            if hasattr(connector, "clock"):
                connector.clock = clock
        with TestClient(create_web(app), raise_server_exceptions=False) as client:
            yield app, client


def create_web(app):
    from baton_itsm.core.web import create_app
    return create_app(app)


def tools() -> list[webhook_fuzz.Tool]:
    return [webhook_fuzz.servicenow(SECRETS["SN_WEBHOOK_SECRET"], NOW),
            webhook_fuzz.jira(SECRETS["JIRA_WEBHOOK_SECRET"], NOW, fixture),
            webhook_fuzz.request_tracker(SECRETS["RT_WEBHOOK_SECRET"], NOW)]


def test_no_generated_delivery_gets_a_5xx_and_the_service_still_works(service, caplog):
    app, client = service
    print(f"webhook fuzz seed: {SEED} (BATON_FUZZ_SEED={SEED} replays it), {PER_TOOL} deliveries per connector")
    rng = random.Random(SEED)
    outcomes: dict[tuple[str, str], int] = {}
    caplog.set_level(logging.ERROR)
    for tool in tools():
        for number in range(PER_TOOL):
            headers, body, what = webhook_fuzz.delivery(tool, rng)
            answer = client.post(f"/hooks/{tool.name}/{tool.instance}", headers=_wire(headers), content=body)
            where = f"seed {SEED}, {tool.instance} delivery {number}: {what}"
            assert answer.status_code < 500, f"{where}: {answer.status_code} {answer.text[:300]}"
            outcome = answer.json()["outcome"]
            assert answer.status_code in (200, 400, 413) and outcome, f"{where}: {answer.status_code} {answer.text}"
            outcomes[tool.instance, outcome] = outcomes.get((tool.instance, outcome), 0) + 1
    print("answers:", dict(sorted(outcomes.items())))
    for instance in ("sn", "jira", "rt"):
        assert outcomes.get((instance, "anomalous"), 0) > PER_TOOL // 4, f"seed {SEED}: {outcomes}"
        assert outcomes.get((instance, "accepted"), 0) > PER_TOOL // 50, f"seed {SEED}: {outcomes}"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], f"seed {SEED}: errors logged while receiving: {errors[:3]}"

    handled = failed = 0
    while (report := app.intake.process_pending(limit=500)).new or report.failed:
        handled, failed = handled + report.new, failed + report.failed
        assert report.failed == 0, f"seed {SEED}: the inbox worker failed on an accepted delivery: " + \
            "; ".join(r.getMessage()[:300] for r in caplog.records if r.name == "baton_itsm.core.intake")
    assert handled == sum(n for (_, outcome), n in outcomes.items() if outcome == "accepted")

    health = client.get("/healthz")
    assert health.status_code == 200, f"seed {SEED}: {health.text}"
    for tool, ticket in zip(tools(), ("INC7777777", "424242", "31337")):
        payload = next(p for seed in range(100) if _makes_entries(p := tool.valid(random.Random(seed))))
        _name_ticket(tool.instance, payload, ticket)
        body = json.dumps(payload).encode()
        answer = client.post(f"/hooks/{tool.name}/{tool.instance}", headers=tool.sign(body, payload), content=body)
        assert answer.json()["outcome"] == "accepted", f"seed {SEED}: {tool.instance}: {answer.text}"
    assert app.intake.process_pending().new == 3
    for instance, ticket in (("sn", "INC7777777"), ("jira", "424242"), ("rt", "31337")):
        assert app.handoffs.ledger(TicketKey(instance, ticket)), f"seed {SEED}: no ledger entry for {instance}"


def _makes_entries(payload: dict) -> bool:
    """A creation or a change of holder (a comment alone writes no ledger entry)."""
    return payload.get("webhookEvent", "jira:issue_created") in ("jira:issue_created", "jira:issue_updated")


def _name_ticket(instance: str, payload: dict, ticket: str) -> None:
    if instance == "sn":
        payload["number"] = ticket
    elif instance == "jira":
        payload["issue"]["id"] = ticket
    else:
        payload["transaction"]["ObjectId"], payload["ticket"]["id"] = ticket, int(ticket)


def _wire(headers: dict) -> dict:
    """Header values as bytes: HTTP carries them as latin-1, and non-ASCII text is sent as its UTF-8 bytes."""
    return {name: value.encode("utf-8", "surrogatepass") for name, value in headers.items()}
