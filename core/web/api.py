"""The JSON API for handoffs: request, accept, decline, withdraw, force, review, audit, list pending, a ticket's
ledger.

Each call acts as the person whose token it carries (`Authorization: Bearer TOKEN`, made by `baton token create
--for NAME`); a body's `by` may be left out, and one naming someone else is refused (403). The service token
(`$BATON_API_TOKEN`) only reads: see core/web/api_auth.py. A new handoff is taken only on a ticket Baton can reach
(core/web/api_tickets.py): 404 otherwise.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from baton_itsm.core.domain.commands import AcceptHandoff, DeclineHandoff, ForceHandoff, RequestHandoff, WithdrawHandoff
from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.protocol_errors import InvalidRequest, InvalidTransition, NotAllowed, UnknownHandoff
from baton_itsm.core.domain.review_commands import AuditHandoff, ReviewHandoff
from baton_itsm.core.domain.reviews import HandoffAnswers, Timeliness
from baton_itsm.core.errors import BatonError
from baton_itsm.core.store.codec import event_to_row
from baton_itsm.core.store.ticket_queries import open_requests
from baton_itsm.core.usecases.handoffs import new_handoff_id
from baton_itsm.core.web.api_auth import Authenticated, caller
from baton_itsm.core.web.api_tickets import require_instance, require_reachable

STATUS: dict[type[BatonError], int] = {
    UnknownHandoff: 404,
    NotAllowed: 403,
    InvalidTransition: 409,
    InvalidRequest: 422,
}
BY = Field(None, description="left out: the token's person; another name is refused (403)")

router = APIRouter(prefix="/api", tags=["handoffs"], dependencies=[Depends(caller)])


class NewHandoff(BaseModel):
    ticket: str = Field(description="INSTANCE:ID")
    to: str = Field(description="GROUP or GROUP/PERSON")
    by: str | None = BY
    reason: str
    summary: str = ""
    kind: HandoffKind = HandoffKind.REASSIGN


class Answer(BaseModel):
    by: str | None = BY
    reason: str = ""
    reason_code: str = Field("", description="a decline: a code of the desk's catalog (rules.decline_reasons)")


class Review(BaseModel):
    """A review by the handoff's receiver, or a lead's audit. Every question is optional; answer at least one."""

    by: str | None = BY
    needed: bool | None = Field(None, description="was the handoff needed?")
    prepared: bool | None = Field(None, description="was it done well: was what had been tried summarised?")
    timely: Timeliness | None = Field(None, description="early (too early), right, or late (too late)")
    note: str = ""

    def answers(self) -> HandoffAnswers:
        return HandoffAnswers(self.needed, self.prepared, self.timely, self.note)


class Entry(BaseModel):
    entry_type: str
    handoff_id: str | None
    at: str
    by: str | None
    from_holder: str | None
    to_holder: str | None
    reason: str | None
    reason_code: str | None = Field(None, description="a decline's code in the desk's catalog")


class Outcome(BaseModel):
    handoff_id: str
    entries: list[Entry]


def _entry(event: LedgerEvent) -> Entry:
    row = event_to_row(event)
    holder = lambda g, p: None if g is None else str(Holder(g, p))  # noqa: E731
    return Entry(
        entry_type=row["entry_type"],
        handoff_id=row["handoff_id"],
        at=event.at.isoformat(),
        by=row["actor"],
        from_holder=holder(row["from_group"], row["from_person"]),
        to_holder=holder(row["to_group"], row["to_person"]),
        reason=row["reason"],
        reason_code=row["data"].get("reason_code") or None,
    )


def _run(request: Request, command) -> Outcome:
    try:
        events = request.app.state.baton.handoffs.execute(command)
    except BatonError as error:
        raise HTTPException(STATUS.get(type(error), 409), str(error)) from None
    return Outcome(handoff_id=command.handoff_id, entries=[_entry(e) for e in events])


def _parse(ticket: str, to: str) -> tuple[TicketKey, Holder]:
    try:
        return TicketKey.parse(ticket), Holder.parse(to)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


def _ticket_of(request: Request, handoff_id: str) -> TicketKey:
    try:
        return request.app.state.baton.handoffs.ticket_of(handoff_id)
    except UnknownHandoff as error:
        raise HTTPException(404, str(error)) from None


def _new(request: Request, who: Authenticated, body: NewHandoff) -> dict:
    """What a request and a force share: the acting person, then a reachable ticket and a receiver."""
    by = who.acting_as(body.by)
    key, receiver = _parse(body.ticket, body.to)
    require_reachable(request.app.state.baton, key)
    return dict(
        ticket=key,
        handoff_id=new_handoff_id(),
        to_holder=receiver,
        by=by,
        reason=body.reason,
        summary=body.summary,
        kind=body.kind,
    )


@router.post("/handoffs", status_code=201, response_model=Outcome)
def request_handoff(request: Request, who: Authenticated, body: NewHandoff) -> Outcome:
    """Ask the receiver to take a ticket; it moves when they accept."""
    return _run(request, RequestHandoff(**_new(request, who, body)))


@router.post("/handoffs/force", status_code=201, response_model=Outcome)
def force_handoff(request: Request, who: Authenticated, body: NewHandoff) -> Outcome:
    """Move a ticket without acceptance (managers of the receiving group only); recorded as forced."""
    return _run(request, ForceHandoff(**_new(request, who, body)))


@router.post("/handoffs/{handoff_id}/accept", response_model=Outcome)
def accept(request: Request, who: Authenticated, handoff_id: str, body: Answer) -> Outcome:
    by = who.acting_as(body.by)
    return _run(request, AcceptHandoff(ticket=_ticket_of(request, handoff_id), handoff_id=handoff_id, by=by))


@router.post("/handoffs/{handoff_id}/decline", response_model=Outcome)
def decline(request: Request, who: Authenticated, handoff_id: str, body: Answer) -> Outcome:
    by = who.acting_as(body.by)
    return _run(
        request,
        DeclineHandoff(
            ticket=_ticket_of(request, handoff_id),
            handoff_id=handoff_id,
            by=by,
            reason=body.reason,
            reason_code=body.reason_code,
        ),
    )


@router.post("/handoffs/{handoff_id}/withdraw", response_model=Outcome)
def withdraw(request: Request, who: Authenticated, handoff_id: str, body: Answer) -> Outcome:
    by = who.acting_as(body.by)
    return _run(
        request,
        WithdrawHandoff(ticket=_ticket_of(request, handoff_id), handoff_id=handoff_id, by=by, reason=body.reason),
    )


@router.post("/handoffs/{handoff_id}/review", response_model=Outcome)
def review(request: Request, who: Authenticated, handoff_id: str, body: Review) -> Outcome:
    """The receiver's review of a handoff that took place (once; only the person who received it)."""
    by = who.acting_as(body.by)
    return _run(
        request,
        ReviewHandoff(
            ticket=_ticket_of(request, handoff_id), handoff_id=handoff_id, by=by, answers=body.answers(), via="api"
        ),
    )


@router.post("/handoffs/{handoff_id}/audit", response_model=Outcome)
def audit(request: Request, who: Authenticated, handoff_id: str, body: Review) -> Outcome:
    """A lead's verdict on a handoff drawn for them (or of their group), recorded beside the receiver's review."""
    by = who.acting_as(body.by)
    return _run(
        request,
        AuditHandoff(
            ticket=_ticket_of(request, handoff_id), handoff_id=handoff_id, by=by, answers=body.answers(), via="api"
        ),
    )


class Pending(BaseModel):
    handoff_id: str
    ticket: str
    to_holder: str
    requested_by: str | None
    requested_at: str
    reason: str | None


@router.get("/handoffs", response_model=list[Pending])
def pending(request: Request, to_group: str | None = None, ticket: str | None = None) -> list[Pending]:
    """Requests still waiting for their receiver, oldest first (optionally for one group, or one INSTANCE:ID)."""
    key = None
    if ticket:  # what a button in the tool asks when its ticket's form loads
        try:
            key = TicketKey.parse(ticket)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
    with request.app.state.baton.store.engine.connect() as connection:
        rows = open_requests(connection, to_group, key)
    return [
        Pending(
            handoff_id=r.handoff_id,
            ticket=f"{r.instance}:{r.external_id}",
            to_holder=str(Holder(r.to_group, r.to_person)),
            requested_by=r.actor,
            requested_at=r.at.isoformat(),
            reason=r.reason,
        )
        for r in rows
    ]


@router.get("/tickets/{ticket}/ledger", response_model=list[Entry])
def ticket_ledger(request: Request, ticket: str) -> list[Entry]:
    try:
        key = TicketKey.parse(ticket)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    require_instance(request.app.state.baton, key)
    return [_entry(e.event) for e in request.app.state.baton.handoffs.ledger(key)]
