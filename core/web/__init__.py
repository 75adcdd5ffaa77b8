"""Baton's web app: one FastAPI app, one router per concern (today: the accept/decline link pages).

Webhook intake, the JSON API, /healthz and /metrics are meant to join as routers of their own.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from baton_itsm.core.web.link_pages import router as link_pages

if TYPE_CHECKING:
    from baton_itsm.core.app import App


def create_app(app: App) -> FastAPI:
    web = FastAPI(title="Baton", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.baton = app  # routers read the composition root from the request: no globals
    web.include_router(link_pages)
    return web
