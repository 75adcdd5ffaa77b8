"""The web server of `baton run`: uvicorn on h11, with deadlines for each request and a bound on connections.

uvicorn times out only an idle kept-alive connection, and only once a response was sent: a client that
opens a connection and sends nothing, or trickles its headers or its body a byte at a time, holds a file
and a buffer for ever. Here every connection is always in one of three phases, and two of them have a
deadline (`service.http`):

- head: waiting for a request's line and headers, from the connection's start or the previous answer;
  the whole head must arrive within `header_timeout_seconds`;
- body: the headers are in, the body is not; it must arrive whole within `body_timeout_seconds`;
- none: the request is complete and the app is answering it (its own time, not the client's).

At a deadline the client gets 408 where an answer is possible (part of a request arrived and nothing was
answered yet), and the connection is closed. Past `max_connections` open connections, a new one is
answered 503 and closed before anything is read. Body sizes are bounded by the app (core/web/limits.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass
from typing import cast

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from baton_itsm.core.settings.http import HttpConfig

log = logging.getLogger(__name__)
REFUSAL_LOG_SECONDS = 60.0  # a flood of refused connections logs one line a minute, not one per connection


def server(app, host: str, port: int, http: HttpConfig) -> uvicorn.Server:
    """uvicorn serving `app` on host:port within the deployment's limits."""
    protocol = functools.partial(GuardedH11Protocol, limits=http, refusals=Refusals())
    # uvicorn calls `http` to make each connection's protocol, so a partial does; its annotation names only classes.
    # It hands timeout_keep_alive to loop.call_later, where seconds may have a fraction; it annotates an int.
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            http=protocol,  # type: ignore[arg-type]
            ws="none",
            log_config=None,
            access_log=False,
            timeout_keep_alive=http.keep_alive_seconds,  # type: ignore[arg-type]
            h11_max_incomplete_event_size=http.max_header_bytes,
            timeout_graceful_shutdown=10,
        )
    )


def _answer(status: int, reason: bytes, text: bytes) -> bytes:
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
        b"connection: close\r\n\r\n%s" % (status, reason, len(text), text)
    )


REQUEST_TIMEOUT = _answer(408, b"Request Timeout", b"request not received in time")
TOO_MANY_CONNECTIONS = _answer(503, b"Service Unavailable", b"too many open connections")


@dataclass
class Refusals:
    """Counts connections refused past the bound, and logs them at most once a minute."""

    count: int = 0
    logged_at: float = float("-inf")

    def note(self, limit: int) -> None:
        self.count += 1
        if time.monotonic() - self.logged_at >= REFUSAL_LOG_SECONDS:
            log.warning(
                "refused %d connection(s) since the last such line: %d are open, the bound "
                "(service.http.max_connections)",
                self.count,
                limit,
            )
            self.count, self.logged_at = 0, time.monotonic()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with the head and body deadlines and the connection bound described above."""

    def __init__(self, config, server_state, app_state, _loop=None, *, limits: HttpConfig, refusals: Refusals):
        super().__init__(config, server_state, app_state, _loop)
        self.limits, self.refusals = limits, refusals
        self.phase: str | None = None
        self.deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        # Duck-typed: what it does not define is the transport's own (its __getattr__).
        self.transport = cast(asyncio.Transport, OneSendPerTurn(transport, self.loop))
        if len(self.connections) > self.limits.max_connections:
            self.refusals.note(self.limits.max_connections)
            transport.write(TOO_MANY_CONNECTIONS)
            transport.close()
            return
        self._follow_phase()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow_phase()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_phase()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _follow_phase(self) -> None:
        """Start the deadline of the phase the connection just entered; keep the running one otherwise."""
        if self.transport.is_closing():
            self._cancel_deadline()
            return
        phase = {h11.IDLE: "head", h11.SEND_BODY: "body"}.get(self.conn.their_state)
        if phase == self.phase:
            return
        self._cancel_deadline()
        self.phase = phase
        if phase == "head":
            self.deadline = self.loop.call_later(self.limits.header_timeout_seconds, self._head_expired)
        elif phase == "body":
            self.deadline = self.loop.call_later(self.limits.body_timeout_seconds, self._body_expired)

    def _cancel_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline, self.phase = None, None

    def _head_expired(self) -> None:
        self.deadline = None
        started, _closed = self.conn.trailing_data
        log.debug(
            "closing a connection from %s: no whole request head within %ss",
            self.client,
            self.limits.header_timeout_seconds,
        )
        # An idle connection is only closed: a client reusing it would take a 408 for its next request's.
        self._close_with(REQUEST_TIMEOUT if started else b"")

    def _body_expired(self) -> None:
        self.deadline = None
        log.debug(
            "closing a connection from %s: no whole request body within %ss",
            self.client,
            self.limits.body_timeout_seconds,
        )
        answer = b""
        if self.cycle is not None and not self.cycle.response_started:
            answer = REQUEST_TIMEOUT
        if self.cycle is not None:
            # The app is waiting for the rest of the body: it sees the client gone, and what it would
            # still send is dropped.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self._close_with(answer)

    def _close_with(self, answer: bytes) -> None:
        self._cancel_deadline()
        if not self.transport.is_closing():
            if answer:
                self.transport.write(answer)
            self.transport.close()


class OneSendPerTurn:
    """A connection's transport whose writes of one turn of the event loop leave in one send.

    uvicorn writes a response's head, then its body, each at once: two sends (system calls) an answer, a fifth
    of the receiver's time under a webhook burst. Gathered until the loop's turn ends (a streamed body still
    leaves chunk by chunk, a turn apart), they leave together; closing sends what is gathered first.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport, self._loop = transport, loop
        self._gathered: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._gathered:
            self._loop.call_soon(self._send)
        self._gathered.append(data)

    def close(self) -> None:
        self._send()
        self._transport.close()

    def _send(self) -> None:
        if self._gathered:
            data = b"".join(self._gathered)
            self._gathered.clear()
            self._transport.write(data)

    def __getattr__(self, name: str):  # is_closing, get_extra_info, pause_reading, ...: the transport's own
        return getattr(self._transport, name)
