"""Slack's interactivity requests: POST /slack/interactivity (the Request URL of the Slack app's Interactivity).

The body is read raw, because Slack's signature covers the exact bytes; plugins/slack/clicks.py verifies and
applies it. The clicks object lives as long as the app, so its memory of seen signatures refuses replays.
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.plugins.slack.clicks import SlackClicks, people_by_email
from baton_itsm.plugins.slack.client import SlackClient

SLACK_PATH = "/slack/interactivity"
router = APIRouter(include_in_schema=False)


def _clicks(request: Request) -> SlackClicks:
    web = request.app
    if getattr(web.state, "slack_clicks", None) is None:
        app = web.state.baton
        settings = app.config.notifications.slack
        web.state.slack_clicks = SlackClicks(
            handoffs=app.handoffs,
            clock=app.clock,
            client=SlackClient.from_env(settings, os.environ),
            signing_secret=os.environ.get(settings.signing_secret_env, ""),
            people_by_email=people_by_email(app.config.people),
            display_name=AddressBook.from_config(app.config).display_name,
        )
    return web.state.slack_clicks


@router.post(SLACK_PATH)
async def interactivity(request: Request) -> JSONResponse:
    body = await request.body()
    clicks = _clicks(request)
    answer = await run_in_threadpool(clicks.answer, dict(request.headers), body)  # it calls Slack and the store
    return JSONResponse({"outcome": answer.outcome, "text": answer.text}, status_code=answer.status)
