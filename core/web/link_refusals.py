"""The page a link shows when it cannot act: what happened and what to do, with the right status, never a trace."""

from __future__ import annotations

import logging

from fastapi.responses import HTMLResponse

from baton_itsm.core.errors import BatonError
from baton_itsm.core.notify.link_errors import (
    ExpiredLink,
    InvalidLink,
    LinkAlreadyUsed,
    LinkError,
    NothingToReview,
    NotYourHandoff,
    RequestClosed,
)
from baton_itsm.core.web.pages import page

log = logging.getLogger(__name__)
STATUS = {
    InvalidLink: 400,
    ExpiredLink: 410,
    LinkAlreadyUsed: 409,
    RequestClosed: 409,
    NotYourHandoff: 403,
    NothingToReview: 409,
}


def refusal_page(error: Exception, refused: str, failed: str) -> HTMLResponse:
    """`refused` heads the page when the protocol refuses; `failed` is what to say when Baton itself failed."""
    if isinstance(error, LinkError):
        return page("problem.html", STATUS.get(type(error), 400), title=error.title, message=str(error))
    if isinstance(error, BatonError):  # the protocol refused (e.g. no longer a member of the group)
        return page("problem.html", 409, title=refused, message=str(error))
    log.exception("a link page failed")  # the token is not logged: it is the person's key to the page
    return page("problem.html", 500, title="Something went wrong", message=failed)
