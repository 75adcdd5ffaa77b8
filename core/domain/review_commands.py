"""Commands of reviews: a receiver reviews a handoff, a lead audits one, an escalation review is edited."""

from __future__ import annotations

from dataclasses import dataclass, field

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.reviews import HandoffAnswers


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerHandoff:
    ticket: TicketKey
    handoff_id: str
    by: str
    answers: HandoffAnswers
    via: str = "api"  # link | comment | api | cli


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewHandoff(AnswerHandoff):
    """The receiver reviews a handoff they received."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditHandoff(AnswerHandoff):
    """A lead gives a verdict on a handoff drawn for them (or of their group)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EditEscalationReview:
    ticket: TicketKey
    handoff_id: str
    by: str
    sections: dict[str, str] = field(default_factory=dict)
    cause_kind: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkEscalationChange:
    ticket: TicketKey
    handoff_id: str
    by: str
    change: str  # rule | sla
    reference: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseEscalationReview:
    ticket: TicketKey
    handoff_id: str
    by: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReopenEscalationReview:
    ticket: TicketKey
    handoff_id: str
    by: str
    reason: str = ""


ReviewCommand = (
    ReviewHandoff
    | AuditHandoff
    | EditEscalationReview
    | LinkEscalationChange
    | CloseEscalationReview
    | ReopenEscalationReview
)
