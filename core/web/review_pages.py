"""The pages behind the review and audit links: one screen of three optional questions and a note.

As with the accept link, following the link only shows the handoff (mail scanners open links too); the
answers are a POST from the page, recorded with the link's use in one transaction. The person answering
is the link's; the form has no field naming anyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from baton_itsm.core.domain.protocol_errors import InvalidRequest
from baton_itsm.core.domain.reviews import HandoffAnswers, Timeliness
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.link_reviews import AUDITING, REVIEWING, LinkReviews, ReviewKind, ReviewView
from baton_itsm.core.notify.links import AUDIT_PATH, REVIEW_PATH, link_signer
from baton_itsm.core.web.link_refusals import refusal_page
from baton_itsm.core.web.pages import page

router = APIRouter()
PATHS = {REVIEWING.purpose: REVIEW_PATH, AUDITING.purpose: AUDIT_PATH}
TIMELY = [(t.value, t.label) for t in Timeliness]


def _reviews(request: Request, kind: ReviewKind) -> LinkReviews:
    app = request.app.state.baton
    return LinkReviews(app.handoffs, app.clock, link_signer(app.config.notifications), kind)


def _problem(error: Exception) -> HTMLResponse:
    return refusal_page(
        error,
        "This handoff cannot be reviewed here",
        "Baton could not record your answers, and nothing was changed. Please try again in a few minutes.",
    )


def _form(
    request: Request,
    kind: ReviewKind,
    view: ReviewView,
    token: str,
    status_code: int = 200,
    error: str = "",
    given: dict | None = None,
) -> HTMLResponse:
    app = request.app.state.baton
    return page(
        "review.html",
        status_code,
        kind=kind.purpose,
        view=view,
        token=token,
        post_to=PATHS[kind.purpose],
        error=error,
        given=given or {},
        timely=TIMELY,
        guidance=app.config.reviews.audit_guidance,
        name=AddressBook.from_config(app.config).display_name,
    )


def _show(request: Request, kind: ReviewKind, token: str) -> HTMLResponse:
    try:
        return _form(request, kind, _reviews(request, kind).inspect(token), token)
    except Exception as error:  # noqa: BLE001 - every failure becomes a page
        return _problem(error)


def _answer(request: Request, kind: ReviewKind, token: str, given: dict[str, str]) -> HTMLResponse:
    reviews = _reviews(request, kind)
    try:
        try:
            answers = HandoffAnswers.parse(**given)
            view = reviews.answer(token, answers)
        except InvalidRequest as error:  # nothing answered, or a value the form does not offer: ask again
            return _form(request, kind, reviews.inspect(token), token, 400, error=_sentence(error), given=given)
    except Exception as error:  # noqa: BLE001
        return _problem(error)
    return page(
        "reviewed.html",
        kind=kind.purpose,
        view=view,
        answers=answers,
        disagree=answers.disagrees_with(view.review) if view.review else [],
        name=AddressBook.from_config(request.app.state.baton.config).display_name,
    )


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


Answer = Annotated[str, Form()]


@router.get(REVIEW_PATH, response_class=HTMLResponse)
def show_review(request: Request, t: Annotated[str, Query()] = "") -> HTMLResponse:
    return _show(request, REVIEWING, t)


@router.post(REVIEW_PATH, response_class=HTMLResponse)
def review(
    request: Request, t: Answer = "", needed: Answer = "", prepared: Answer = "", timely: Answer = "", note: Answer = ""
) -> HTMLResponse:
    return _answer(request, REVIEWING, t, {"needed": needed, "prepared": prepared, "timely": timely, "note": note})


@router.get(AUDIT_PATH, response_class=HTMLResponse)
def show_audit(request: Request, t: Annotated[str, Query()] = "") -> HTMLResponse:
    return _show(request, AUDITING, t)


@router.post(AUDIT_PATH, response_class=HTMLResponse)
def audit(
    request: Request, t: Answer = "", needed: Answer = "", prepared: Answer = "", timely: Answer = "", note: Answer = ""
) -> HTMLResponse:
    return _answer(request, AUDITING, t, {"needed": needed, "prepared": prepared, "timely": timely, "note": note})
