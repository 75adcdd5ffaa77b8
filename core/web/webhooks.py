"""Webhook intake: POST /hooks/{connector}/{instance} takes one delivery from that instance's tool.

The connector parses and verifies the delivery without I/O, on the event loop (it costs tens of
microseconds); the group commit (core/runtime/group_commit.py) keeps it once, together with the deliveries of
concurrent requests, and the answer is a 2xx only once the delivery is safe in the inbox. The body is
read raw, because a signature covers the exact bytes; its size is bounded while it is read
(core/web/limits.py: `service.http.max_webhook_body_bytes`, 1 MiB by default). An instance in
`mode: poll` takes no deliveries, so a change is never taken from both a poll and a webhook by mistake.

A plain Starlette route: the endpoint takes the raw request and nothing FastAPI would inject or
validate, and resolving its parameters cost more per delivery than verifying the signature.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from baton_itsm.core.settings.models import ConnectorMode
from baton_itsm.core.usecases.receive_webhook import WebhookAnswer, kept_answer, read_delivery

router = APIRouter(include_in_schema=False)
WEBHOOK_PATH = "/hooks/{connector}/{instance}"


async def deliver(request: Request) -> JSONResponse:
    connector, instance = request.path_params["connector"], request.path_params["instance"]
    app = request.app.state.baton
    config = app.config.connectors.get(instance)
    if config is None or config.type != connector or config.mode == ConnectorMode.POLL:
        return JSONResponse(
            {"outcome": "unknown", "reason": f"no {connector} instance {instance!r} takes webhooks here"},
            status_code=404,
        )
    body = await request.body()  # at most the route's limit: a larger body was answered 413 while read
    tool = app.connectors[instance]
    answer = read_delivery(tool, dict(request.headers), body)
    if not isinstance(answer, WebhookAnswer):
        answer = kept_answer(answer, await app.deliveries.keep(tool.instance, answer.delivery_id, answer.payload))
    return JSONResponse({"outcome": answer.outcome, "reason": answer.reason}, status_code=answer.status)


router.add_route(WEBHOOK_PATH, deliver, methods=["POST"], include_in_schema=False)
