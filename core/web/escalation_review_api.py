"""The JSON API of escalation reviews: list, show, edit, link a change, close, reopen.

Same tokens and error mapping as the handoff API (core/web/api.py): every change acts as the token's person (the
service token only reads; a body's `by` naming someone else is 403). A refusal of the protocol is 403 (not
an editor), 409 (closed, or open already), 422 (a section a review has not, an unknown cause kind), 404.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from baton_itsm.core.domain.protocol_errors import ProtocolError
from baton_itsm.core.errors import BatonError
from baton_itsm.core.escalation_reviews.escalation_queries import Listing
from baton_itsm.core.escalation_reviews.escalations import EscalationReviews
from baton_itsm.core.web.api import BY, STATUS
from baton_itsm.core.web.api_auth import Authenticated, caller

router = APIRouter(prefix="/api/escalation-reviews", tags=["escalation reviews"], dependencies=[Depends(caller)])


class Escalation(BaseModel):
    from_holder: str | None
    to_holder: str
    requested_by: str | None
    requested_at: str
    reason: str
    summary: str
    state: str
    forced: bool


class Change(BaseModel):
    change: str
    reference: str
    note: str
    by: str | None
    at: str


class Review(BaseModel):
    handoff_id: str
    ticket: str
    subject: str | None
    url: str | None
    state: str = Field(description="open | closed")
    kind: str = Field(description="the escalation's kind (administrative-service, administrative-sales...)")
    opened_at: str
    age_seconds: int = Field(description="how long it has been open (to its closing, once closed)")
    editors: list[str]
    escalation: Escalation | None
    sections: dict[str, str] = Field(description="cause, steps, problems, helped, prevention")
    filled: list[str]
    cause_kind: str | None
    changes: list[Change]
    updated_at: str | None
    updated_by: str | None
    closed_at: str | None
    closed_by: str | None


class Edit(BaseModel):
    """The sections to write (left out: unchanged). Any other key is refused by name: a review has no
    section that says who is to blame."""

    model_config = ConfigDict(extra="allow")
    by: str | None = BY
    cause: str | None = Field(None, description="What caused the escalation")
    steps: str | None = Field(None, description="Steps taken")
    problems: str | None = Field(None, description="Problems met")
    helped: str | None = Field(None, description="What helped")
    prevention: str | None = Field(None, description="What would prevent it")
    cause_kind: str | None = Field(None, description="one of the deployment's reviews.escalations.causes")

    def sections(self) -> dict[str, str | None]:
        named = self.model_dump(exclude={"by", "cause_kind"}, exclude_unset=True)
        return {name: text if text is None or isinstance(text, str) else str(text) for name, text in named.items()}


class LinkChange(BaseModel):
    by: str | None = BY
    change: Literal["rule", "sla"]
    reference: str = Field(description="where the change is: a commit, a document, a change ticket")
    note: str = ""


class Close(BaseModel):
    by: str | None = BY
    note: str = ""


class Reopen(BaseModel):
    by: str | None = BY
    reason: str = ""


def _reviews(request: Request) -> EscalationReviews:
    return EscalationReviews.of(request.app.state.baton)


def _done(request: Request, handoff_id: str, change=None) -> Review:
    """Run `change` (a call on the service), if any, then answer with the review as it now is."""
    try:
        if change is not None:
            change()
        return Review(**_reviews(request).get(handoff_id).as_data())
    except BatonError as error:
        status = STATUS.get(type(error), 409) if isinstance(error, ProtocolError) else 409
        raise HTTPException(status, str(error)) from None


@router.get("", response_model=list[Review])
def list_reviews(request: Request, state: Listing = Listing.OPEN) -> list[Review]:
    """Escalation reviews, oldest first: open ones by default, or closed, or all."""
    return [Review(**view.as_data()) for view in _reviews(request).find(state)]


@router.get("/{handoff_id}", response_model=Review)
def show_review(request: Request, handoff_id: str) -> Review:
    return _done(request, handoff_id)


@router.patch("/{handoff_id}", response_model=Review)
def edit_review(request: Request, who: Authenticated, handoff_id: str, body: Edit) -> Review:
    """Write sections and/or the cause kind, as the token's person (an editor of the review)."""
    by = who.acting_as(body.by)
    return _done(request, handoff_id, lambda: _reviews(request).edit(handoff_id, by, body.sections(), body.cause_kind))


@router.post("/{handoff_id}/link", response_model=Review)
def link_change(request: Request, who: Authenticated, handoff_id: str, body: LinkChange) -> Review:
    """Record the rule or SLA change the review led to."""
    by = who.acting_as(body.by)
    return _done(
        request, handoff_id, lambda: _reviews(request).link(handoff_id, by, body.change, body.reference, body.note)
    )


@router.post("/{handoff_id}/close", response_model=Review)
def close_review(request: Request, who: Authenticated, handoff_id: str, body: Close) -> Review:
    """Close the review; its cause and prevention must be written."""
    by = who.acting_as(body.by)
    return _done(request, handoff_id, lambda: _reviews(request).close(handoff_id, by, body.note))


@router.post("/{handoff_id}/reopen", response_model=Review)
def reopen_review(request: Request, who: Authenticated, handoff_id: str, body: Reopen) -> Review:
    by = who.acting_as(body.by)
    return _done(request, handoff_id, lambda: _reviews(request).reopen(handoff_id, by, body.reason))
