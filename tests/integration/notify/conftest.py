"""A desk that keeps people informed: a real SMTP server on loopback, a ledger store, an injected clock.

The mail server is aiosmtpd, run in-process on a free port; `mail_server.stop()` makes the port refuse
connections, as a relay that is down does. Time only moves when a test moves the clock.
"""
from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from baton_itsm.core.app import App
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.notify.build import notification_handlers
from baton_itsm.core.outbox import OutboxDispatcher
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade

LINK_SECRET = "test-link-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    def part(self, kind: str) -> str:
        return self.message.get_body((kind,)).get_content()


class CollectingHandler:
    def __init__(self, into: list[Received], refuse: set[str]):
        self.into, self.refuse = into, refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.into.append(Received(list(envelope.rcpt_tos),
                                  email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@dataclass
class MailServer:
    port: int
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered with a permanent 550
    login: tuple[str, str] | None = None  # when set, the server requires this user and password
    _controller: Controller | None = None

    def start(self) -> None:
        auth = {}
        if self.login:
            # Plain AUTH on loopback only: the settings refuse credentials in clear text to a remote relay.
            auth = {"authenticator": self._check_login, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(CollectingHandler(self.received, self.refuse), hostname="127.0.0.1", port=self.port,
                                      **auth)
        self._controller.start()

    def _check_login(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        given = (auth_data.login.decode(), auth_data.password.decode())
        # handled=False: aiosmtpd then answers 535 itself (by default a refusal is left to the handler)
        return AuthResult(success=given == self.login, handled=False)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.envelope_to]


@pytest.fixture
def link_secret() -> str:
    return LINK_SECRET


@pytest.fixture
def mail_server():
    server = MailServer(free_port())
    server.start()
    yield server
    server.stop()


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
        event = ToolEvent(ticket=self.key, event_id=f"txn-{self._events}", kind=kind, at=self.app.clock.now(),
                          actor=actor, new_holder=Holder.parse(holder) if holder else None, fields=fields)
        self.app.intake.ingest("test", [event])

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

    def make(model: str = "follows", extra: str = "", database_url: str | None = None,
             web_port: int = 8000, environ: dict | None = None) -> Desk:
        url = database_url or f"sqlite:///{tmp_path / 'ledger.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        config = parse_config(DESK_YAML.format(model=model, web_port=web_port, smtp_port=mail_server.port,
                                               extra=extra), "desk.yaml")
        app = App(config, None, url, clock)
        env = {"BATON_LINK_SECRET": LINK_SECRET} if environ is None else environ
        desk = Desk(app, OutboxDispatcher(app.store, notification_handlers(app, env), clock))
        made.append(app)
        return desk

    yield make
    for app in made:
        if "engine" in app.__dict__:
            app.engine.dispose()
