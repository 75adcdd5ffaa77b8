"""The pages behind the accept and decline links of handoff request emails.

Following a link only shows the request (mail scanners open links too); the answer is a POST from the page.
Every refusal is a page that says what happened and what to do, never a trace.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from baton_itsm.core.domain.protocol_errors import InvalidRequest
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.link_answers import LinkAnswers, LinkView
from baton_itsm.core.notify.link_reviews import review_offer
from baton_itsm.core.notify.links import ACCEPT_PATH, DECLINE_PATH, LinkMaker, link_signer
from baton_itsm.core.web.link_refusals import refusal_page
from baton_itsm.core.web.pages import page

router = APIRouter()


def _answers(request: Request) -> LinkAnswers:
    app = request.app.state.baton
    return LinkAnswers(app.handoffs, app.clock, link_signer(app.config.notifications))


def _problem(error: Exception) -> HTMLResponse:
    return refusal_page(
        error,
        "This request cannot be answered here",
        "Baton could not record your answer, and nothing was changed. Please try again in a few "
        "minutes, or answer the request in Baton.",
    )


def _names(request: Request):
    return AddressBook.from_config(request.app.state.baton.config).display_name


def _shown(
    request: Request, view: LinkView, action: str, token: str, status_code: int = 200, error: str = ""
) -> HTMLResponse:
    return page(
        "answer.html",
        status_code,
        action=action,
        token=token,
        view=view,
        error=error,
        post_to=ACCEPT_PATH if action == "accept" else DECLINE_PATH,
        name=_names(request),
        declines=request.app.state.baton.config.directory().declines,
    )


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
    return page(
        "answered.html", action="accept", view=view, name=_names(request), review_link=_review_offer(request, view)
    )


def _review_offer(request: Request, view: LinkView) -> str | None:
    """The acceptance asked for a review (in the same transaction): offer it while the handoff is fresh."""
    app = request.app.state.baton
    settings = app.config.notifications
    signer = link_signer(settings)
    links = LinkMaker("", signer, timedelta(hours=settings.link_valid_hours)) if signer else None  # a local path
    return review_offer(app.handoffs, links, view.claim.handoff_id, view.claim.receiver, app.clock.now())


@router.get(DECLINE_PATH, response_class=HTMLResponse)
def show_decline(request: Request, t: Annotated[str, Query()] = "") -> HTMLResponse:
    try:
        return _shown(request, _answers(request).inspect(t), "decline", t)
    except Exception as error:  # noqa: BLE001
        return _problem(error)


@router.post(DECLINE_PATH, response_class=HTMLResponse)
def decline(
    request: Request,
    t: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    reason_code: Annotated[str, Form()] = "",
) -> HTMLResponse:
    answers = _answers(request)
    try:
        if not reason.strip() and not reason_code:  # the protocol needs a reason; ask again rather than fail
            return _shown(
                request,
                answers.inspect(t),
                "decline",
                t,
                400,
                error="Please say why you decline, so the requester knows where to go next.",
            )
        view = answers.decline(t, reason, reason_code)
    except InvalidRequest as refusal:  # e.g. free text where the desk declines by code: ask again, saying why
        return _shown(request, answers.inspect(t), "decline", t, 400, error=f"Baton could not record this: {refusal}.")
    except Exception as error:  # noqa: BLE001
        return _problem(error)
    return page("answered.html", action="decline", view=view, name=_names(request), review_link=None)
