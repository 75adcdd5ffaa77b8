"""Baton's web app: one FastAPI app, one router per concern: the accept/decline and review/audit link pages,
the editor's page of an escalation review, Slack's button clicks, the JSON API (with its OpenAPI at
/api/openapi.json), /healthz and /metrics; webhook intake in a lane of its own before them (core/web/webhooks.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from baton_itsm.core.web.api import router as api
from baton_itsm.core.web.ask_pages import router as ask_pages
from baton_itsm.core.web.away_api import router as away_api
from baton_itsm.core.web.escalation_review_api import router as escalation_review_api
from baton_itsm.core.web.escalation_review_page import router as escalation_review_page
from baton_itsm.core.web.limits import Limits, RequestLimits
from baton_itsm.core.web.link_pages import router as link_pages
from baton_itsm.core.web.ops import HealthCache
from baton_itsm.core.web.ops import router as ops
from baton_itsm.core.web.review_pages import router as review_pages
from baton_itsm.core.web.slack import router as slack
from baton_itsm.core.web.webhooks import WebhookLane

if TYPE_CHECKING:
    from baton_itsm.core.app import App


class _BatonWeb(FastAPI):
    """FastAPI, with webhook deliveries taken first by a lane of their own (core/web/webhooks.py)."""

    lane: WebhookLane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.lane.takes(scope):
            await self.lane(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(app: App) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_web: FastAPI) -> AsyncIterator[None]:
        yield
        app.deliveries.close()  # after the last request: every delivery answered 2xx is committed

    web = _BatonWeb(
        title="Baton",
        summary="Handoff governance beside your help desk",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    web.state.baton = app  # routers read the composition root from the request: no globals
    web.state.health = HealthCache()
    limits = Limits.from_config(app.config.service.http)
    web.lane = WebhookLane(app, limits)  # deliveries: the same limits, in their own lane
    web.add_middleware(RequestLimits, limits=limits)  # before routes read
    web.include_router(link_pages, include_in_schema=False)
    web.include_router(ask_pages, include_in_schema=False)
    web.include_router(review_pages, include_in_schema=False)
    web.include_router(slack)  # Slack's Accept clicks (signed by the Slack app)
    web.include_router(escalation_review_page, include_in_schema=False)
    web.include_router(api)
    web.include_router(escalation_review_api)
    web.include_router(away_api)
    web.include_router(ops)
    return web
