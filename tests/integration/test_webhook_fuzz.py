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

import pytest

from baton_itsm.core.domain.holders import TicketKey
from tests.connectors.jira.jira_fixtures import fixture
from tests.integration import webhook_fuzz
from tests.integration.webhook_fuzz import NOW, SECRETS, running_service

SEED = int(os.environ.get("BATON_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
PER_TOOL = int(os.environ.get("BATON_FUZZ_DELIVERIES", "10000"))


@pytest.fixture
def service(tmp_path, monkeypatch):
    with running_service(tmp_path, monkeypatch) as running:
        yield running


def tools() -> list[webhook_fuzz.Tool]:
    return [
        webhook_fuzz.servicenow(SECRETS["SN_WEBHOOK_SECRET"], NOW),
        webhook_fuzz.jira(SECRETS["JIRA_WEBHOOK_SECRET"], NOW, fixture),
        webhook_fuzz.request_tracker(SECRETS["RT_WEBHOOK_SECRET"], NOW),
    ]


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
    app.clock.advance(seconds=5)  # past RT's wait for the rest of a write (core/usecases/joined_deliveries.py)
    while (report := app.intake.process_pending(limit=500)).new or report.failed:
        handled, failed = handled + report.new, failed + report.failed
        assert report.failed == 0, f"seed {SEED}: the inbox worker failed on an accepted delivery: " + "; ".join(
            r.getMessage()[:300] for r in caplog.records if r.name == "baton_itsm.core.usecases.intake"
        )
    assert handled == sum(n for (_, outcome), n in outcomes.items() if outcome == "accepted")

    health = client.get("/healthz")
    assert health.status_code == 200, f"seed {SEED}: {health.text}"
    for tool, ticket in zip(tools(), ("INC7777777", "424242", "31337"), strict=True):
        payload = next(p for seed in range(100) if _makes_entries(p := tool.valid(random.Random(seed))))
        _name_ticket(tool.instance, payload, ticket)
        body = json.dumps(payload).encode()
        answer = client.post(f"/hooks/{tool.name}/{tool.instance}", headers=tool.sign(body, payload), content=body)
        assert answer.json()["outcome"] == "accepted", f"seed {SEED}: {tool.instance}: {answer.text}"
    app.clock.advance(seconds=5)
    assert app.intake.process_pending().new == 3
    for instance, ticket in (("sn", "INC7777777"), ("jira", "424242"), ("rt", "31337")):
        assert app.handoffs.ledger(TicketKey(instance, ticket)), f"seed {SEED}: no ledger entry for {instance}"


def _makes_entries(payload: dict) -> bool:
    """A creation or a change of holder (a comment alone writes no ledger entry)."""
    return payload.get("webhookEvent", "jira:issue_created") in ("jira:issue_created", "jira:issue_updated")


def _name_ticket(instance: str, payload: dict, ticket: str) -> None:
    if instance == "sn":  # a record of its own: a delivery is named by its record's sys_id and update count
        payload["number"], payload["sys_id"] = ticket, "7" * 32
    elif instance == "jira":
        payload["issue"]["id"] = ticket
    else:
        payload["transaction"]["ObjectId"], payload["ticket"]["id"] = ticket, int(ticket)


def _wire(headers: dict) -> dict:
    """Header values as bytes: HTTP carries them as latin-1, and non-ASCII text is sent as its UTF-8 bytes."""
    return {name: value.encode("utf-8", "surrogatepass") for name, value in headers.items()}
