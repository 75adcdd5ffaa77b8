"""Who may review what, and once: the rules behind handoff reviews, audits and escalation reviews.

- only the person who received an applied handoff reviews it, once; answering is optional, an empty
  review is refused;
- an audit is the verdict of the lead who drew the handoff, or of a manager of the receiving group,
  never of the receiver; once per handoff;
- an escalation review is edited, linked to changes and closed by its editors (named when it opened)
  or a manager of the receiving group; a closed review is reopened before it is edited again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.protocol_errors import InvalidRequest, InvalidTransition, NotAllowed, UnknownHandoff
from baton_itsm.core.domain.review_commands import (
    AuditHandoff,
    CloseEscalationReview,
    EditEscalationReview,
    LinkEscalationChange,
    ReopenEscalationReview,
    ReviewHandoff,
)
from baton_itsm.core.domain.review_events import (
    EscalationReviewClosed,
    EscalationReviewLinked,
    EscalationReviewReopened,
    EscalationReviewUpdated,
    HandoffAudited,
    HandoffReviewed,
)
from baton_itsm.core.domain.reviews import CHANGE_KINDS, EscalationReview, ReviewState, check_sections
from baton_itsm.core.domain.ticket import HandoffRecord, Ticket


def review_handoff(ticket: Ticket, cmd: ReviewHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    record = _applied(ticket, cmd.handoff_id)
    receiver = record.receiving_person
    if receiver is None or cmd.by != receiver:
        raise NotAllowed(
            f"{cmd.by} cannot review handoff {cmd.handoff_id}: only its receiver "
            f"({receiver or 'a queue, no person'}) can"
        )
    if record.reviewed_by is not None:
        raise InvalidTransition(
            f"handoff {cmd.handoff_id} was already reviewed by {record.reviewed_by}; a review is given once"
        )
    _answered(cmd.answers)
    return [
        HandoffReviewed(
            ticket=ticket.key, at=now, by=cmd.by, handoff_id=cmd.handoff_id, via=cmd.via, **cmd.answers.as_data()
        )
    ]


def audit_handoff(ticket: Ticket, cmd: AuditHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    record = _applied(ticket, cmd.handoff_id)
    group = record.applied_to.group if record.applied_to else record.to_holder.group
    if cmd.by == record.receiving_person:
        raise NotAllowed(f"{cmd.by} received handoff {cmd.handoff_id}; the receiver reviews it, a lead audits it")
    if cmd.by != record.auditor and not directory.is_manager(cmd.by, group):
        raise NotAllowed(
            f"{cmd.by} cannot audit handoff {cmd.handoff_id}: only "
            f"{record.auditor or 'the lead it was drawn for'} or a manager of {group} can"
        )
    if record.audited_by is not None:
        raise InvalidTransition(f"handoff {cmd.handoff_id} was already audited by {record.audited_by}")
    _answered(cmd.answers)
    return [
        HandoffAudited(
            ticket=ticket.key, at=now, by=cmd.by, handoff_id=cmd.handoff_id, via=cmd.via, **cmd.answers.as_data()
        )
    ]


def edit_escalation_review(
    ticket: Ticket, cmd: EditEscalationReview, now: datetime, directory: Directory
) -> list[LedgerEvent]:
    review = _editable(ticket, cmd.handoff_id, cmd.by, directory, "edit")
    sections = {
        name: text for name, text in check_sections(cmd.sections).items() if text != review.sections.get(name, "")
    }
    cause_kind = (cmd.cause_kind or "").strip() or None
    if not sections and cause_kind in (None, review.cause_kind):
        return []  # nothing changed: saving the form twice writes nothing
    return [
        EscalationReviewUpdated(
            ticket=ticket.key, at=now, by=cmd.by, handoff_id=cmd.handoff_id, sections=sections, cause_kind=cause_kind
        )
    ]


def link_escalation_change(
    ticket: Ticket, cmd: LinkEscalationChange, now: datetime, directory: Directory
) -> list[LedgerEvent]:
    _escalation_review(ticket, cmd.handoff_id, cmd.by, directory, "link a change to")
    if cmd.change not in CHANGE_KINDS:
        raise InvalidRequest(f"a review leads to a change of a {' or an '.join(CHANGE_KINDS)}, not {cmd.change!r}")
    if not cmd.reference.strip():
        raise InvalidRequest("say where the change is (a commit, a document, a change ticket)")
    return [
        EscalationReviewLinked(
            ticket=ticket.key,
            at=now,
            by=cmd.by,
            handoff_id=cmd.handoff_id,
            change=cmd.change,
            reference=cmd.reference.strip(),
            note=cmd.note.strip(),
        )
    ]


def close_escalation_review(
    ticket: Ticket, cmd: CloseEscalationReview, now: datetime, directory: Directory
) -> list[LedgerEvent]:
    review = _editable(ticket, cmd.handoff_id, cmd.by, directory, "close")
    missing = [name for name in ("cause", "prevention") if not review.sections.get(name)]
    if missing:
        raise InvalidRequest(
            f"the review of {cmd.handoff_id} says nothing yet on {' and '.join(missing)}; "
            "fill that in before closing it"
        )
    return [
        EscalationReviewClosed(ticket=ticket.key, at=now, by=cmd.by, handoff_id=cmd.handoff_id, note=cmd.note.strip())
    ]


def reopen_escalation_review(
    ticket: Ticket, cmd: ReopenEscalationReview, now: datetime, directory: Directory
) -> list[LedgerEvent]:
    review = _escalation_review(ticket, cmd.handoff_id, cmd.by, directory, "reopen")
    if review.state is ReviewState.OPEN:
        raise InvalidTransition(f"the review of {cmd.handoff_id} is open already")
    return [
        EscalationReviewReopened(
            ticket=ticket.key, at=now, by=cmd.by, handoff_id=cmd.handoff_id, reason=cmd.reason.strip()
        )
    ]


def may_edit_review(person: str, review: EscalationReview, record: HandoffRecord | None, directory: Directory) -> bool:
    group = record.to_holder.group if record else None
    return person in review.editors or (group is not None and directory.is_manager(person, group))


def _applied(ticket: Ticket, handoff_id: str) -> HandoffRecord:
    record = ticket.handoff(handoff_id)
    if record is None:
        raise UnknownHandoff(f"no handoff {handoff_id} on {ticket.key}")
    if record.state is not HandoffState.APPLIED:
        raise InvalidTransition(f"handoff {handoff_id} is {record.state}; only a handoff that took place is reviewed")
    return record


def _answered(answers) -> None:
    if answers.is_empty:
        raise InvalidRequest("the review answers no question; answer at least one, or add a note")


def _escalation_review(ticket: Ticket, handoff_id: str, by: str, directory: Directory, doing: str) -> EscalationReview:
    review = ticket.escalation_reviews.get(handoff_id)
    if review is None:
        raise UnknownHandoff(f"no escalation review for handoff {handoff_id} on {ticket.key}")
    if not may_edit_review(by, review, ticket.handoff(handoff_id), directory):
        who = ", ".join(review.editors) or "the escalation manager"
        raise NotAllowed(
            f"{by} cannot {doing} the review of {handoff_id}: {who} or a manager of the receiving group can"
        )
    return review


def _editable(ticket: Ticket, handoff_id: str, by: str, directory: Directory, doing: str) -> EscalationReview:
    review = _escalation_review(ticket, handoff_id, by, directory, doing)
    if review.state is ReviewState.CLOSED:
        raise InvalidTransition(
            f"the review of {handoff_id} was closed on {review.closed_at:%Y-%m-%d}; reopen it to {doing} it"
        )
    return review


REVIEW_HANDLERS: dict[type, Callable] = {
    ReviewHandoff: review_handoff,
    AuditHandoff: audit_handoff,
    EditEscalationReview: edit_escalation_review,
    LinkEscalationChange: link_escalation_change,
    CloseEscalationReview: close_escalation_review,
    ReopenEscalationReview: reopen_escalation_review,
}
