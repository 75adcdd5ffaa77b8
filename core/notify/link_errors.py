"""What a person following a link (accept, decline, review, audit) can be told instead of what they asked for."""

from __future__ import annotations

from baton_itsm.core.errors import BatonError


class LinkError(BatonError):
    """The link cannot be used; `title` heads the page that says so, the message explains."""

    title = "This link cannot be used"


class InvalidLink(LinkError):
    """The link was changed or cut, or was not made by this Baton: nothing was done."""

    title = "Invalid link"


class ExpiredLink(LinkError):
    """The link is older than the deployment allows; the request can still be answered in Baton or by email."""

    title = "This link has expired"


class LinkAlreadyUsed(LinkError):
    """The link was followed before (each link works once): the page says when and for what."""

    title = "This link was already used"


class RequestClosed(LinkError):
    """The handoff request is no longer open (accepted, declined, withdrawn or expired meanwhile)."""

    title = "This request is no longer open"


class NotYourHandoff(LinkError):
    """A valid link, signed for someone who may not act on this handoff (not its receiver, not its auditor)."""

    title = "Only the receiver can review this handoff"

    def __init__(self, message: str, title: str | None = None):
        super().__init__(message)
        if title:
            self.title = title


class NothingToReview(LinkError):
    """The handoff cannot be reviewed (or audited) any more: it was already, by another way, or never took place."""

    title = "There is nothing left to review"


class LinksDisabled(LinkError):
    """The deployment has no link secret set, so no link can be checked."""

    title = "Links are not set up"


class ReviewClosed(LinkError):
    """The escalation review was closed; an editor can reopen it, and its link then works again."""

    title = "This review is closed"
