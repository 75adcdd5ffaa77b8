"""A real SMTP server on loopback for tests: aiosmtpd, in-process, on a free port.

`stop()` makes the port refuse connections, as a relay that is down does.
"""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


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

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.into.append(
            Received(list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default))
        )
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
        self._controller = Controller(
            CollectingHandler(self.received, self.refuse), hostname="127.0.0.1", port=self.port, **auth
        )
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
