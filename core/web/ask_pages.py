"""The page behind a decline's one-click link: ask the group the decline suggests, pre-filled.

Following the link only shows the request (mail scanners open links too); the request is a POST from the page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from baton_itsm.core.domain.protocol_errors import ProtocolError
from baton_itsm.core.notify.link_asks import SuggestedAsks
from baton_itsm.core.notify.links import ASK_PATH, link_signer
from baton_itsm.core.web.link_refusals import refusal_page
from baton_itsm.core.web.pages import page

router = APIRouter()


def _asks(request: Request) -> SuggestedAsks:
    app = request.app.state.baton
    return SuggestedAsks(app.handoffs, app.clock, link_signer(app.config.notifications))


def _problem(error: Exception) -> HTMLResponse:
    return refusal_page(
        error,
        "This request cannot be made here",
        "Baton could not open the request, and nothing was changed. Please try again in a few "
        "minutes, or ask for the handoff in Baton.",
    )


@router.get(ASK_PATH, response_class=HTMLResponse)
def show_ask(request: Request, t: Annotated[str, Query()] = "") -> HTMLResponse:
    try:
        view = _asks(request).inspect(t)
    except Exception as error:  # noqa: BLE001 - every failure becomes a page
        return _problem(error)
    return page("ask.html", view=view, token=t, error="", reason=view.reason, summary=view.summary, asked=None)


@router.post(ASK_PATH, response_class=HTMLResponse)
def ask(
    request: Request,
    t: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
) -> HTMLResponse:
    asks = _asks(request)
    try:
        view, handoff_id = asks.ask(t, reason, summary)
    except ProtocolError as refusal:  # e.g. no reason, or the ticket has another open request: say so, keep the words
        try:
            view = asks.inspect(t)
        except Exception as error:  # noqa: BLE001
            return _problem(error)
        return page(
            "ask.html",
            400,
            view=view,
            token=t,
            error=f"Baton could not open the request: {refusal}.",
            reason=reason,
            summary=summary,
            asked=None,
        )
    except Exception as error:  # noqa: BLE001
        return _problem(error)
    return page("ask.html", view=view, token=t, error="", reason=reason, summary=summary, asked=handoff_id)
