"""The pages behind the accept and decline links of handoff request emails.

Following a link only shows the request (mail scanners open links too); the answer is a POST from the page.
Every refusal is a page that says what happened and what to do, never a trace.
"""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from baton_itsm.core.errors import BatonError
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.errors import ExpiredLink, InvalidLink, LinkAlreadyUsed, LinkError, RequestClosed
from baton_itsm.core.notify.link_answers import LinkAnswers, LinkView
from baton_itsm.core.notify.links import ACCEPT_PATH, DECLINE_PATH, link_signer
from baton_itsm.core.web.pages import page

router = APIRouter()
log = logging.getLogger(__name__)
STATUS = {InvalidLink: 400, ExpiredLink: 410, LinkAlreadyUsed: 409, RequestClosed: 409}


def _answers(request: Request) -> LinkAnswers:
    app = request.app.state.baton
    return LinkAnswers(app.handoffs, app.clock, link_signer(app.config.notifications))


def _problem(error: Exception) -> HTMLResponse:
    if isinstance(error, LinkError):
        return page("problem.html", STATUS.get(type(error), 400), title=error.title, message=str(error))
    if isinstance(error, BatonError):  # the protocol refused (e.g. no longer a member of the group)
        return page("problem.html", 409, title="This request cannot be answered here", message=str(error))
    log.exception("answering a handoff link failed")
    return page("problem.html", 500, title="Something went wrong",
                message="Baton could not record your answer, and nothing was changed. Please try again in a "
                        "few minutes, or answer the request in Baton.")


def _names(request: Request):
    return AddressBook.from_config(request.app.state.baton.config).display_name


def _shown(request: Request, view: LinkView, action: str, token: str, status_code: int = 200,
           error: str = "") -> HTMLResponse:
    return page("answer.html", status_code, action=action, token=token, view=view, error=error,
                post_to=ACCEPT_PATH if action == "accept" else DECLINE_PATH, name=_names(request))


@router.get(ACCEPT_PATH, response_class=HTMLResponse)
def show_accept(request: Request, t: Annotated[str, Query()] = "") -> HTMLResponse:
    try:
        return _shown(request, _answers(request).inspect(t), "accept", t)
    except Exception as error:  # noqa: BLE001 - every failure becomes a page
        return _problem(error)


@router.post(ACCEPT_PATH, response_class=HTMLResponse)
def accept(request: Request, t: Annotated[str, Form()] = "") -> HTMLResponse:
    try:
        view = _answers(request).accept(t)
    except Exception as error:  # noqa: BLE001
        return _problem(error)
    return page("answered.html", action="accept", view=view, name=_names(request))


@router.get(DECLINE_PATH, response_class=HTMLResponse)
def show_decline(request: Request, t: Annotated[str, Query()] = "") -> HTMLResponse:
    try:
        return _shown(request, _answers(request).inspect(t), "decline", t)
    except Exception as error:  # noqa: BLE001
        return _problem(error)


@router.post(DECLINE_PATH, response_class=HTMLResponse)
def decline(request: Request, t: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> HTMLResponse:
    answers = _answers(request)
    try:
        if not reason.strip():  # the protocol needs a reason; ask again rather than fail
            return _shown(request, answers.inspect(t), "decline", t, 400,
                          error="Please say why you decline, so the requester knows where to go next.")
        view = answers.decline(t, reason)
    except Exception as error:  # noqa: BLE001
        return _problem(error)
    return page("answered.html", action="decline", view=view, name=_names(request))
