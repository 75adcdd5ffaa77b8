"""A rate-limited tool delays only its own work: the service's workers, a ServiceNow answering 429, a real SMTP server.

The tool (the ServiceNow fake on loopback) answers every call with 429 and Retry-After: 25 for 60 s of the injected
clock. The email a handoff request sends meanwhile is measured with the real clock, from the request to the mail
server's receipt: the workers run for real (threads, SQLite, HTTP, SMTP), only Baton's clock is injected so the test
need not wait out the tool's minute to see the notes go once it is over.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from baton_itsm.core.app import App
from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.rules.actions import add_note
from baton_itsm.core.runtime.runner import RunOptions, build_workers
from baton_itsm.core.runtime.workers import WorkerPool
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from tests.connectors.servicenow.integration.fake_instance import FakeInstance
from tests.connectors.servicenow.integration.fake_server import FakeServer
from tests.mail import MailServer, free_port

CONFIG = """
groups:
  Service Desk: {{members: [alice], managers: [dana]}}
  Network: {{members: [carol], managers: [erin]}}
people:
  alice: {{email: alice@example.com}}
  carol: {{email: carol@example.com}}
notifications:
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com}}
connectors:
  sn:
    type: servicenow
    url: {tool_url}
    account: baton
    mode: webhook
    auth: {{username_env: SN_USER, password_env: SN_PASSWORD}}
    webhook_secret_env: SN_WEBHOOK_SECRET
"""
RETRY_AFTER = "25"


class RateLimitedServiceNow(FakeServer):
    """The ServiceNow fake, answering 429 with Retry-After to every call until the clock passes `limited_until`."""

    def __init__(self, instance: FakeInstance, clock, limited_for: timedelta):
        self.clock, self.limited_until, self.refused = clock, clock.now() + limited_for, 0
        super().__init__(instance)

    def handle(self, method, path, request_headers, payload):
        if self.clock.now() < self.limited_until:
            self.refused += 1
            return 429, {"error": {"message": "Too many requests"}}, {"Retry-After": RETRY_AFTER}
        return super().handle(method, path, request_headers, payload)


def wait_for(what: str, check, seconds: float = 10.0) -> float:
    """Waits for the service's threads (not for time): returns the real seconds it took, fails after `seconds`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_rate_limited_tool_does_not_delay_an_email(tmp_path, clock, monkeypatch):
    for name, value in {"SN_USER": "baton", "SN_PASSWORD": "baton-pw", "SN_WEBHOOK_SECRET": "secret"}.items():
        monkeypatch.setenv(name, value)
    instance = FakeInstance(now=clock.now())
    instance.add_user("baton", "baton-pw")
    number = instance.insert("incident", {"short_description": "VPN down"}, "baton")["number"]
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(make_engine(url))
    mail_server = MailServer(free_port())  # a real SMTP server on loopback (tests/mail.py)
    mail_server.start()
    with RateLimitedServiceNow(instance, clock, limited_for=timedelta(seconds=60)) as tool:
        config = parse_config(CONFIG.format(smtp_port=mail_server.port, tool_url=tool.url), "baton.yaml")
        app = App(config, None, url, clock)
        ticket = TicketKey("sn", number)
        with app.store.unit_of_work(clock.now()) as uow:  # a backlog of notes for the tool, queued first
            for n in range(3):
                note = add_note(ticket, f"backlog note {n}", key=f"backlog-{n}")
                uow.queue_outgoing(note.idempotency_key, note.channel, note.payload, ticket=ticket)
        pool = WorkerPool(build_workers(app, RunOptions(http=False, idle_seconds=0.05)))
        pool.start()
        try:
            wait_for("the tool to answer 429", lambda: tool.refused > 0)
            asked = time.monotonic()
            app.handoffs.execute(
                RequestHandoff(
                    ticket=ticket,
                    handoff_id="h1",
                    to_holder=Holder("Network"),
                    by="alice",
                    reason="VPN concentrator",
                    summary="rebooted it",
                )
            )
            wait_for("the handoff email to carol", lambda: mail_server.to("carol@example.com"))
            delay = time.monotonic() - asked
            print(f"the email to another destination went out {delay:.2f} s after it was queued")  # pytest -s
            assert delay < 2.0, f"the email waited {delay:.1f} s behind the rate-limited tool"
            assert tool.refused == 1, "the tool's other waiting rows wait out its Retry-After instead of asking again"

            clock.advance(seconds=61)  # the tool's minute is over: its rows go, each once
            notes = instance.tables["sys_journal_field"]
            wait_for("the tool's notes", lambda: len(notes) == 4)
        finally:
            stopped = pool.stop(timeout=10)
            app.engine.dispose()
            mail_server.stop()
    assert stopped, "the workers stop after their round"
    texts = sorted(n["value"] for n in notes.values())
    assert texts[1:] == ["backlog note 0", "backlog note 1", "backlog note 2"] and "handoff request h1" in texts[0]
    assert tool.refused == 1 and len(mail_server.to("carol@example.com")) == 1
