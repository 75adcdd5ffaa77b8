"""Ledger entries of reviews: a handoff review asked for and given, a lead's audit, an escalation review's life.

They change no holder and no handoff state; the ticket keeps who may still review what, so each review
is given once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from baton_itsm.core.domain.events import EVENT_TYPES, LedgerEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewAsked(LedgerEvent):
    """A handoff was applied and the deployment asks for a review: of `receiver`, and/or an audit by `auditor`.

    `by` is None (a rule of the deployment decided it)."""

    handoff_id: str
    receiver: str | None = None
    auditor: str | None = None
    entry_type: ClassVar[str] = "review-asked"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffAnswered(LedgerEvent):
    """Answers about a handoff (domain/reviews.HandoffAnswers); `via`: link, comment, api or cli."""

    handoff_id: str
    needed: bool | None = None
    prepared: bool | None = None
    timely: str | None = None  # early | right | late
    note: str = ""
    via: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffReviewed(HandoffAnswered):
    """The receiver's review of a handoff; `by` is the receiver."""

    entry_type: ClassVar[str] = "reviewed"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffAudited(HandoffAnswered):
    """A lead's verdict on a handoff drawn for audit (or one they chose to audit); `by` is the lead."""

    entry_type: ClassVar[str] = "audited"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationReviewOpened(LedgerEvent):
    """An administrative escalation opened, and with it its review; `editors` may edit it."""

    handoff_id: str
    escalation_kind: str
    editors: list[str] = field(default_factory=list)
    entry_type: ClassVar[str] = "escalation-review-opened"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationReviewUpdated(LedgerEvent):
    """An edit: the sections it changed (see domain/reviews.ESCALATION_SECTIONS) and the cause's kind."""

    handoff_id: str
    sections: dict[str, str] = field(default_factory=dict)
    cause_kind: str | None = None
    entry_type: ClassVar[str] = "escalation-review-updated"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationReviewLinked(LedgerEvent):
    """The review led to a change of a rule or an SLA."""

    handoff_id: str
    change: str
    reference: str
    note: str = ""
    entry_type: ClassVar[str] = "escalation-review-linked"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationReviewClosed(LedgerEvent):
    handoff_id: str
    note: str = ""
    entry_type: ClassVar[str] = "escalation-review-closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationReviewReopened(LedgerEvent):
    handoff_id: str
    reason: str = ""
    entry_type: ClassVar[str] = "escalation-review-reopened"


REVIEW_EVENTS = (
    ReviewAsked,
    HandoffReviewed,
    HandoffAudited,
    EscalationReviewOpened,
    EscalationReviewUpdated,
    EscalationReviewLinked,
    EscalationReviewClosed,
    EscalationReviewReopened,
)
for _cls in REVIEW_EVENTS:
    EVENT_TYPES[_cls.entry_type] = _cls
