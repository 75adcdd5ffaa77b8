"""A mail server refusing Baton's login (535): the emails wait, the admin is told what to fix, health says degraded,
and once the credentials are fixed each email is delivered once. aiosmtpd on loopback; time moves by the clock."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton_itsm.core.app import App
from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.notify.build import notification_handlers
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.usecases.dispatcher import OutboxDispatcher
from baton_itsm.core.web import create_app
from tests.mail import MailServer, free_port

CONFIG = """
groups:
  Service Desk: {{members: [alice], managers: [dana]}}
  Network: {{members: [carol], managers: [erin]}}
people:
  alice: {{email: alice@example.com}}
  carol: {{email: carol@example.com}}
notifications:
  smtp: {{host: 127.0.0.1, port: {port}, from_address: baton@desk.example.com,
          username_env: TEST_SMTP_USER, password_env: TEST_SMTP_PASSWORD}}
"""
# Plain AUTH on loopback (the settings allow credentials without TLS only there), as tests/mail.py explains.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def email_rows(app: App) -> list:
    with app.store.engine.connect() as connection:
        return connection.execute(
            select(outbox.c.status, outbox.c.attempts, outbox.c.last_error).where(outbox.c.channel == "email")
        ).all()


def test_a_refused_login_waits_for_the_fix_and_each_email_goes_once(tmp_path, clock, caplog):
    server = MailServer(free_port(), login=("baton", "the-right-one"))
    server.start()
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(make_engine(url))
    app = App(parse_config(CONFIG.format(port=server.port), "baton.yaml"), None, url, clock)
    environ = {"TEST_SMTP_USER": "baton", "TEST_SMTP_PASSWORD": "an-old-password"}
    dispatcher = OutboxDispatcher(app.store, notification_handlers(app, environ), clock)
    try:
        app.handoffs.execute(
            RequestHandoff(
                ticket=TicketKey("local", "42"),
                handoff_id="h1",
                to_holder=Holder("Network"),
                by="alice",
                reason="switch port dead",
            )
        )
        with caplog.at_level(logging.ERROR):
            dispatcher.run_once()  # routes the notice into an email row
            dispatcher.run_once()  # the mail server answers 535
        [(status, attempts, error)] = email_rows(app)
        assert (status, attempts) == ("pending", 1), f"refused once, waiting for the fix ({error})"
        told = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any(
            "refused Baton's login (535" in line and "TEST_SMTP_USER" in line and "TEST_SMTP_PASSWORD" in line
            for line in told
        ), told
        assert not any("an-old-password" in line for line in [*told, error])

        with TestClient(create_app(app)) as client:
            health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert health.json()["deliveries"]["email"].startswith("degraded: 1 waiting to be retried")

        for _ in range(40):  # ten hours of refusals: past the 20 attempts other failures get, still waiting
            clock.advance(minutes=15)
            dispatcher.run_once()
        [(status, attempts, _)] = email_rows(app)
        assert status == "pending" and attempts > 20 and server.received == []

        environ["TEST_SMTP_PASSWORD"] = "the-right-one"  # the admin fixes the variable and restarts Baton
        dispatcher = OutboxDispatcher(app.store, notification_handlers(app, environ), clock)
        clock.advance(minutes=15)
        dispatcher.run_once()
        clock.advance(minutes=15)
        assert dispatcher.run_once().sent == 0, "nothing left to send"
        assert [status for status, _, _ in email_rows(app)] == ["sent"]
        assert [r.envelope_to for r in server.received] == [["carol@example.com"]], "delivered once"
        with TestClient(create_app(app)) as client:
            health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["deliveries"] == {"email": "ok"}
    finally:
        server.stop()
        app.engine.dispose()
