"""How large a request may be: ASGI middleware that refuses it before the app holds more than its limit.

A body's size is checked twice. A declared Content-Length over the route's limit is answered 413 before
one byte of the body is read; a body without one (chunked) is counted as the app reads it, and refused
the moment it passes the limit. Every refusal says `Connection: close`, so the server stops reading the
rest instead of draining it; what the app does afterwards (it sees the client as gone) is not sent.
Headers larger than the server's limit get 431: h11 refuses a head that arrives in pieces past it, but
not one that arrives whole in a single read.

Limits are per route prefix, the first match wins: webhook deliveries may be larger than API calls and
link-page forms, and are answered in the webhook's own shape. The server's deadlines and connection
bound live in core/runtime/http_server.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect

from baton_itsm.core.settings.http import HttpConfig

log = logging.getLogger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]
DISCONNECT: Message = {"type": "http.disconnect"}


@dataclass(frozen=True)
class RouteLimit:
    """The most bytes a request body may have on paths starting with `prefix`."""

    prefix: str
    max_body_bytes: int
    webhook: bool = False  # refusals answered as a webhook delivery's outcome, not as an API error

    def refusal(self, reason: str) -> dict:
        return {"outcome": "anomalous", "reason": reason} if self.webhook else {"detail": reason}


@dataclass(frozen=True)
class Limits:
    routes: tuple[RouteLimit, ...]  # most specific first; the last one's prefix is "/"
    max_header_bytes: int

    @classmethod
    def from_config(cls, http: HttpConfig) -> Limits:
        return cls(
            (RouteLimit("/hooks/", http.max_webhook_body_bytes, webhook=True), RouteLimit("/", http.max_body_bytes)),
            http.max_header_bytes,
        )

    def route(self, path: str) -> RouteLimit:
        return next(rule for rule in self.routes if path.startswith(rule.prefix))


class RequestLimits:
    """Answers 431 for oversized headers and 413 for a body over its route's limit, before the app reads it."""

    def __init__(self, app: ASGIApp, limits: Limits):
        self.app, self.limits = app, limits

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.limits.route(scope["path"])
        if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > self.limits.max_header_bytes:
            await _refuse(send, 431, route.refusal("request headers too large"))
            return
        if declared_length(scope["headers"]) > route.max_body_bytes:
            await _refuse(send, 413, route.refusal(f"request body over {route.max_body_bytes} bytes"))
            return
        guard = _Guard(route, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except ClientDisconnect:
            # The client left, or was refused here or by a server deadline: there is nobody to answer,
            # and a client's behaviour is not a server error worth a traceback.
            log.debug("client gone before its request was read: %s %s", scope["method"], scope["path"])


class _Guard:
    """One request's receive and send: counts the body the app reads and refuses it past the limit."""

    def __init__(self, route: RouteLimit, receive: Receive, send: Send):
        self.route, self._receive, self._send = route, receive, send
        self.received = 0
        self.responded = False  # the app started its answer: too late to refuse
        self.refused = False

    async def receive(self) -> Message:
        if self.refused:
            return DISCONNECT
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.route.max_body_bytes:
                self.refused = True
                if not self.responded:
                    reason = f"request body over {self.route.max_body_bytes} bytes"
                    await _refuse(self._send, 413, self.route.refusal(reason))
                return DISCONNECT
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the 413 was the answer
        self.responded = True
        await self._send(message)


def declared_length(headers: list[tuple[bytes, bytes]]) -> int:
    """The Content-Length a request declares, or 0 when it declares none (or none a server would accept)."""
    for name, value in headers:
        if name.lower() == b"content-length":
            value = value.strip()
            if not value.isdigit():
                return 0  # the HTTP parser refuses a malformed one; chunked bodies are counted as read
            return int(value) if len(value) < 19 else 1 << 63  # no int() on thousands of digits
    return 0


async def _refuse(send: Send, status: int, answer: dict) -> None:
    body = json.dumps(answer).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
