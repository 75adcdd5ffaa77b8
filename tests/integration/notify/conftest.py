"""A desk that keeps people informed: a real SMTP server on loopback, a ledger store, an injected clock.

The mail server is aiosmtpd, run in-process on a free port; `mail_server.stop()` makes the port refuse
connections, as a relay that is down does. Time only moves when a test moves the clock.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from baton_itsm.core.app import App
from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.notify.build import notification_handlers
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.usecases.dispatcher import OutboxDispatcher
from tests.integration.notify.browser import chromium_page, serving
from tests.mail import Received, free_port  # noqa: F401  (Received: used by the tests here)

LINK_SECRET = "test-link-secret-0123456789abcdef"


@pytest.fixture
def link_secret() -> str:
    return LINK_SECRET


DESK_YAML = """
ownership: {{model: {model}, desk_groups: [Service Desk]}}
groups:
  Service Desk: {{members: [alice, bob], managers: [dana]}}
  Network: {{members: [carol, frank], managers: [erin]}}
people:
  alice: {{name: Alice Agent, email: alice@example.com}}
  bob: {{name: Bob Agent, email: bob@example.com}}
  carol: {{name: Carol Agent, email: carol@example.com}}
  frank: {{name: Frank Field, email: frank@example.com}}
  dana: {{name: Dana Manager, email: dana@example.com}}
  erin: {{name: Erin Lead, email: erin@example.com}}
notifications:
  base_url: http://127.0.0.1:{web_port}
  coalesce_seconds: 120
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com, from_name: Baton}}
{extra}
"""


@dataclass
class Desk:
    """One ticket's world: tool events in, commands through Baton, and the outbox drained on demand."""

    app: App
    dispatcher: OutboxDispatcher
    key: TicketKey = TicketKey("local", "42")
    _events: int = 0

    def tool(self, kind: ToolEventKind, actor: str | None, holder: str | None = None, **fields: str) -> None:
        self._events += 1
        event = ToolEvent(
            ticket=self.key,
            event_id=f"txn-{self._events}",
            kind=kind,
            at=self.app.clock.now(),
            actor=actor,
            new_holder=Holder.parse(holder) if holder else None,
            fields=fields,
        )
        self.app.intake.ingest("test", [event])

    def request_to_network(
        self, reason: str = "switch port dead since 8:00", summary: str = "re-patched the cable, swapped the port"
    ) -> None:
        """Alice's ticket "Printer on fire", handoff h1 requested to the Network queue, its messages sent."""
        self.tool(
            ToolEventKind.CREATED,
            "alice",
            "Service Desk/alice",
            subject="Printer on fire",
            requester="rita@example.org",
            url="https://desk.example.com/t/42",
        )
        self.app.handoffs.execute(
            RequestHandoff(
                ticket=self.key,
                handoff_id="h1",
                to_holder=Holder("Network"),
                by="alice",
                reason=reason,
                summary=summary,
            )
        )
        self.drain()

    def drain(self) -> int:
        """Run the dispatcher until a pass finds nothing due now; returns how many rows were delivered."""
        delivered = 0
        for _ in range(20):
            report = self.dispatcher.run_once()
            delivered += report.sent
            if report.sent + report.retrying + report.failed == 0:
                return delivered
        raise AssertionError("the outbox kept producing work")


@pytest.fixture
def make_desk(tmp_path, clock, mail_server, request):
    """make_desk(model="desk", extra="  first_assignment_only: true") -> Desk, on the `database_url` store."""
    made = []

    def make(
        model: str = "follows",
        extra: str = "",
        database_url: str | None = None,
        web_port: int = 8000,
        environ: dict | None = None,
    ) -> Desk:
        url = database_url or f"sqlite:///{tmp_path / 'ledger.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        config = parse_config(
            DESK_YAML.format(model=model, web_port=web_port, smtp_port=mail_server.port, extra=extra), "desk.yaml"
        )
        app = App(config, None, url, clock)
        env = {"BATON_LINK_SECRET": LINK_SECRET} if environ is None else environ
        desk = Desk(app, OutboxDispatcher(app.store, notification_handlers(app, env), clock))
        made.append(app)
        return desk

    yield make
    for app in made:
        if "engine" in app.__dict__:
            app.engine.dispose()


@pytest.fixture
def browser(tmp_path):
    """A page of headless Chromium (skipped without it; see browser.py)."""
    with chromium_page(tmp_path / "chromium-profile") as page:
        yield page


@pytest.fixture
def serve_desk(make_desk, monkeypatch, link_secret):
    """serve_desk(extra=...) -> a Desk whose links point at its web app, running under uvicorn on loopback."""
    with ExitStack() as running:

        def serve(**desk_options) -> Desk:
            port = free_port()
            monkeypatch.setenv("BATON_LINK_SECRET", link_secret)  # the web app reads it from its environment
            desk = make_desk(web_port=port, **desk_options)
            running.enter_context(serving(desk.app, port))
            return desk

        yield serve
