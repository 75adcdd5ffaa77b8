"""Webhook intake: POST /hooks/{connector}/{instance} takes one delivery from that instance's tool.

The connector parses and verifies the delivery without I/O, on the event loop (it costs tens of
microseconds); the group commit (core/runtime/group_commit.py) keeps it once, together with the deliveries of
concurrent requests, and the answer is a 2xx only once the delivery is safe in the inbox. The body is
read raw, because a signature covers the exact bytes; its size is bounded while it is read
(core/web/limits.py: `service.http.max_webhook_body_bytes`, 1 MiB by default). An instance in
`mode: poll` takes no deliveries, so a change is never taken from both a poll and a webhook by mistake.

A lane of its own, outside FastAPI: the web app hands a request to a webhook path to `WebhookLane` before
anything else, which answers it through the body limits and the 500 of an unexpected failure only.
Through FastAPI's middlewares, routers and Response classes a delivery cost a third of the receiver's time
in a burst (benchmarks/webhooks.py), more than reading and verifying it; none of them does anything for it.
Another method than POST on a webhook path is answered 405, as FastAPI would.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import ClientDisconnect

from baton_itsm.core.settings.models import ConnectorMode
from baton_itsm.core.usecases.receive_webhook import WebhookAnswer, kept_answer, read_delivery
from baton_itsm.core.web.limits import Limits, Receive, RequestLimits, Send

if TYPE_CHECKING:
    from baton_itsm.core.app import App

Scope = MutableMapping[str, Any]


class WebhookLane:
    """Takes the requests to webhook paths (`takes`), before FastAPI sees them."""

    def __init__(self, app: App, limits: Limits):
        self.app = app
        self._delivery = ServerErrorMiddleware(RequestLimits(self._deliver, limits))

    @staticmethod
    def takes(scope: Scope) -> bool:
        """Whether the request is to a webhook path: /hooks/ and two non-empty segments, as a route matched it."""
        if scope["type"] != "http":
            return False
        parts = scope["path"].split("/")
        return len(parts) == 4 and parts[1] == "hooks" and bool(parts[2]) and bool(parts[3])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await _answer(send, 405, {"detail": "Method Not Allowed"}, [(b"allow", b"POST")])
        else:
            await self._delivery(scope, receive, send)

    async def _deliver(self, scope: Scope, receive: Receive, send: Send) -> None:
        _, _, connector, instance = scope["path"].split("/")
        config = self.app.config.connectors.get(instance)
        if config is None or config.type != connector or config.mode == ConnectorMode.POLL:
            reason = f"no {connector} instance {instance!r} takes webhooks here"
            await _answer(send, 404, {"outcome": "unknown", "reason": reason})
            return
        body = await _body(receive)  # at most the route's limit: a larger body was answered 413 while read
        tool = self.app.connectors[instance]
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        answer = read_delivery(tool, headers, body)
        if not isinstance(answer, WebhookAnswer):
            new = await self.app.deliveries.keep(tool.instance, answer.delivery_id, answer.payload)
            answer = kept_answer(answer, new)
        await _answer(send, answer.status, {"outcome": answer.outcome, "reason": answer.reason})


async def _body(receive: Receive) -> bytes:
    """The whole request body; ClientDisconnect when the client left (or a limit refused it) before its end."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int, content: dict, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """A JSON answer, as FastAPI's JSONResponse writes it."""
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    start = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json"), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})
