"""The editor's page of an escalation review, behind the link in the "escalation-review" email.

The link (purpose escalation-review) is not used up: an editor comes back to it while the review is open.
Each visit checks it again, and the person it names must still be allowed by the protocol (an editor
named when the review opened, or a manager of the receiving group). GET shows, POST acts; every refusal
is a page that says what happened and what to do.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from baton_itsm.core.domain.protocol_errors import InvalidRequest, InvalidTransition, NotAllowed, UnknownHandoff
from baton_itsm.core.domain.reviews import CHANGE_KINDS, ESCALATION_SECTIONS
from baton_itsm.core.errors import BatonError
from baton_itsm.core.escalation_reviews.escalation_views import EscalationReviewView
from baton_itsm.core.escalation_reviews.escalations import EscalationReviews
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.link_errors import ExpiredLink, InvalidLink, LinkError, LinksDisabled, ReviewClosed
from baton_itsm.core.notify.links import ESCALATION_REVIEW_PATH, link_signer
from baton_itsm.core.notify.tokens import ESCALATION_REVIEW, LinkClaim
from baton_itsm.core.web.pages import page

router = APIRouter()
log = logging.getLogger(__name__)
STATUS = {InvalidLink: 400, ExpiredLink: 410, ReviewClosed: 409, LinksDisabled: 503}
Text = Annotated[str | None, Form()]


def _opened(request: Request, token: str) -> tuple[EscalationReviews, LinkClaim, EscalationReviewView]:
    """The review a link opens, for the person it names; a LinkError or NotAllowed if it cannot be used."""
    app = request.app.state.baton
    signer = link_signer(app.config.notifications)
    if signer is None:
        raise LinksDisabled(
            "This Baton has no link secret set, so it cannot check links. Edit the review with "
            "`baton review escalation edit`, and tell your administrator."
        )
    claim = signer.verify(token, app.clock.now(), ESCALATION_REVIEW)
    reviews = EscalationReviews.of(app)
    try:
        view = reviews.get(claim.handoff_id)
    except UnknownHandoff:
        raise InvalidLink("This link names an escalation review Baton does not know.") from None
    if not reviews.may_edit(view, claim.receiver):
        raise NotAllowed(
            f"{claim.receiver} cannot edit this review (any more): its editors are "
            f"{', '.join(view.review.editors) or 'the escalation manager'}, with the managers of "
            f"{view.escalation.to_holder.group if view.escalation else 'the receiving group'}."
        )
    if not view.is_open:
        raise ReviewClosed(
            f"The review of {view.ticket} was closed on {view.review.closed_at:%Y-%m-%d %H:%M} UTC "
            f"by {view.review.closed_by}. An editor can reopen it (`baton review escalation reopen "
            f"{view.handoff_id}`); this link then works again."
        )
    return reviews, claim, view


def _problem(error: Exception) -> HTMLResponse:
    if isinstance(error, LinkError):
        return page("problem.html", STATUS.get(type(error), 400), title=error.title, message=str(error))
    if isinstance(error, NotAllowed):
        return page("problem.html", 403, title="You cannot edit this review", message=str(error))
    if isinstance(error, BatonError):
        return page("problem.html", 409, title="This review cannot be changed here", message=str(error))
    log.exception("an escalation review page failed")
    return page(
        "problem.html",
        500,
        title="Something went wrong",
        message="Baton could not record the review, and nothing was changed. Please try again in a few "
        "minutes, or edit it with `baton review escalation edit`.",
    )


def _form(
    request: Request,
    reviews: EscalationReviews,
    claim: LinkClaim,
    view: EscalationReviewView,
    token: str,
    status_code: int = 200,
    notice: str = "",
    error: str = "",
    typed: dict | None = None,
    cause_kind: str | None = None,
) -> HTMLResponse:
    values = {name: view.review.sections.get(name, "") for name in ESCALATION_SECTIONS}
    values.update({name: text for name, text in (typed or {}).items() if text is not None})
    return page(
        "escalation_review.html",
        status_code,
        view=view,
        token=token,
        person=claim.receiver,
        sections=ESCALATION_SECTIONS,
        values=values,
        causes=reviews.causes,
        change_kinds=CHANGE_KINDS,
        cause_kind=cause_kind if cause_kind is not None else view.review.cause_kind or "",
        notice=notice,
        error=error,
        post_to=ESCALATION_REVIEW_PATH,
        name=AddressBook.from_config(request.app.state.baton.config).display_name,
    )


@router.get(ESCALATION_REVIEW_PATH, response_class=HTMLResponse)
def show(request: Request, t: Annotated[str, Query()] = "") -> HTMLResponse:
    try:
        reviews, claim, view = _opened(request, t)
    except Exception as error:  # noqa: BLE001 - every failure becomes a page
        return _problem(error)
    return _form(request, reviews, claim, view, t)


@router.post(ESCALATION_REVIEW_PATH, response_class=HTMLResponse)
def act(
    request: Request,
    t: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "save",
    cause: Text = None,
    steps: Text = None,
    problems: Text = None,
    helped: Text = None,
    prevention: Text = None,
    cause_kind: Text = None,
    change: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Save the sections, save and close, or link a change: `action` is save, close or link."""
    typed = dict(cause=cause, steps=steps, problems=problems, helped=helped, prevention=prevention)
    try:
        reviews, claim, view = _opened(request, t)
    except Exception as error:  # noqa: BLE001
        return _problem(error)
    person, handoff_id = claim.receiver, view.handoff_id
    try:
        if action == "link":
            reviews.link(handoff_id, person, change, reference, note)
            notice = f"Linked the {'SLA' if change == 'sla' else change} change."
        else:  # closing saves what the form says first, so nothing typed is lost
            notice = "Saved." if reviews.edit(handoff_id, person, typed, cause_kind) else "Nothing had changed."
            if action == "close":
                reviews.close(handoff_id, person, note)
                return page("escalation_review_closed.html", view=reviews.get(handoff_id))
    except (InvalidRequest, InvalidTransition) as error:
        # The form again, with what was typed and why it was refused; if the review was closed or the
        # person's rights went meanwhile, _opened says so instead.
        try:
            reviews, claim, view = _opened(request, t)
        except Exception as again:  # noqa: BLE001
            return _problem(again)
        return _form(
            request,
            reviews,
            claim,
            view,
            t,
            422 if isinstance(error, InvalidRequest) else 409,
            error=str(error),
            typed=typed,
            cause_kind=cause_kind,
        )
    except Exception as error:  # noqa: BLE001
        return _problem(error)
    return _form(request, reviews, claim, reviews.get(handoff_id), t, notice=notice)
