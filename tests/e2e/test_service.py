"""`baton run` as admins deploy it: a real process beside a real Request Tracker 5 and a real SMTP server.

Polling carries the accept-before-reassign scenario; a signed webhook delivery posted twice is taken in
once; SIGTERM stops the service cleanly. Waiting here is for another process (polled with a deadline),
never for time itself. RT's own webhook Scrip is tested in test_rt5_webhook.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import signal

import pytest
import requests

from tests.desk import DESK
from tests.e2e import rt5
from tests.e2e.rt5 import Person, holder_in_rt
from tests.e2e.service import API_TOKEN, Service, service_env, wait_for
from tests.mail import MailServer, free_port

SD = "Service Desk"
WEBHOOK_SECRET = "e2e-webhook-secret-0123456789"
SERVICE = """\
people:
  alice: {{name: Alice Agent, email: alice@example.com}}
  carol: {{name: Carol Agent, email: carol@example.com}}
notifications:
  base_url: http://127.0.0.1:{web_port}
  coalesce_seconds: 1
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com}}
connectors:
  rt:
    type: rest
    url: {rt_url}
    account: baton
    mode: both
    poll_interval_seconds: 1
    webhook_secret_env: BATON_E2E_WEBHOOK_SECRET
    auth: {{username_env: BATON_E2E_RT_USER, password_env: BATON_E2E_RT_PASSWORD}}
    options: {{profile: request-tracker5}}
"""


@pytest.fixture
def service(rt, tmp_path):
    mail = MailServer(free_port())
    mail.start()
    port = free_port()
    config = tmp_path / "baton.yaml"
    config.write_text(DESK + SERVICE.format(web_port=port, smtp_port=mail.port, rt_url=rt5.URL))
    running = Service(config, tmp_path / "ledger.db", port, service_env(WEBHOOK_SECRET), tmp_path / "baton.log")
    running.mail = mail
    running.tokens["carol"] = running.baton("token", "create", "--for", "carol").strip()
    try:
        yield running.start()
    finally:
        running.kill()
        mail.stop()


def test_baton_run_governs_rt_through_polling_and_keeps_people_informed(service):
    root, alice = Person("root"), Person("alice")
    ticket = root.create(SD, "Printer on fire", owner="alice")
    wait_for("Baton to see the new ticket", lambda: service.ledger(ticket))

    alice.update(ticket, Owner="carol")  # a push: carol never asked for it
    wait_for("the push to be reverted in RT", lambda: holder_in_rt(ticket) == (SD, "alice"))
    (pending,) = wait_for("the request to carol", lambda: service.api("GET", "/api/handoffs").json())
    assert pending["ticket"] == f"rt:{ticket}" and pending["to_holder"] == f"{SD}/carol"
    request_mail = wait_for("the handoff request email to carol", lambda: service.mail.to("carol@example.com"))
    assert "/handoff/accept?t=" in request_mail[0].part("plain")

    accepted = service.api("POST", f"/api/handoffs/{pending['handoff_id']}/accept", as_="carol", json={})
    assert accepted.status_code == 200, accepted.text
    wait_for("carol to own the ticket in RT", lambda: holder_in_rt(ticket) == (SD, "carol"))
    wait_for("the requester's status email", lambda: service.mail.to("customer@example.test"))

    types = [e["entry_type"] for e in service.ledger(ticket)]
    assert types.index("requested") < types.index("accepted") < types.index("applied")
    metrics = requests.get(service.base + "/metrics", timeout=5).text
    assert 'baton_ledger_entries_total{type="applied"}' in metrics and "baton_worker_rounds_total" in metrics


def test_a_webhook_delivery_posted_twice_is_taken_in_once(service):
    ticket = Person("root").create(SD, "Keyboard missing keys", owner="alice")
    wait_for("Baton to see the new ticket", lambda: service.ledger(ticket))
    body = json.dumps(
        {
            "transaction": {
                "id": "900001",
                "Type": "Set",
                "Field": "Owner",
                "OldValue": "alice",
                "NewValue": "carol",
                "Created": "2026-11-23T05:00:00Z",
                "Creator": {"id": "carol"},
                "ObjectType": "RT::Ticket",
                "ObjectId": ticket,
            },
            "ticket": {"id": int(ticket), "Queue": {"id": SD}, "Owner": {"id": "carol"}, "Status": "open"},
        }
    ).encode()
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Baton-Signature": signature, "Content-Type": "application/json"}
    first = requests.post(service.base + "/hooks/rest/rt", data=body, headers=headers, timeout=10)
    second = requests.post(service.base + "/hooks/rest/rt", data=body, headers=headers, timeout=10)
    assert (first.status_code, first.json()["outcome"]) == (200, "accepted")
    assert (second.status_code, second.json()["outcome"]) == (200, "duplicate")
    unsigned = requests.post(service.base + "/hooks/rest/rt", data=body, timeout=10)
    assert unsigned.status_code == 400

    entries = wait_for(
        "the delivery to be handled",
        lambda: [
            e for e in service.ledger(ticket) if e["entry_type"] == "holder-changed" and e["to_holder"] == f"{SD}/carol"
        ],
    )
    assert len(entries) == 1, "carol's take, delivered twice, is in the ledger once"


def test_sigterm_stops_the_service_cleanly_and_its_logs_hold_no_secret(service):
    service.process.send_signal(signal.SIGTERM)
    assert service.process.wait(30) == 0
    lines = [json.loads(line) for line in service.log.read_text().splitlines() if line.startswith("{")]
    assert any(line["message"] == "baton stopped" for line in lines)
    text = service.log.read_text()
    assert rt5.PASSWORDS["baton"] not in text and WEBHOOK_SECRET not in text and API_TOKEN not in text
    assert service.tokens["carol"] not in text
