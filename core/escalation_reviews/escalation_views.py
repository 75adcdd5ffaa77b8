"""An escalation review as people read it: the review, the escalation that opened it, the ticket it is on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.reviews import ESCALATION_SECTIONS, EscalationReview, ReviewState
from baton_itsm.core.domain.ticket import HandoffRecord


@dataclass(frozen=True)
class EscalationReviewView:
    ticket: TicketKey
    review: EscalationReview
    escalation: HandoffRecord | None  # None only if the request's entry is missing (never, by the protocol)
    subject: str | None
    url: str | None
    as_of: datetime  # when it was read: the age of an open review runs to here

    @property
    def handoff_id(self) -> str:
        return self.review.handoff_id

    @property
    def is_open(self) -> bool:
        return self.review.state is ReviewState.OPEN

    @property
    def age(self) -> timedelta:
        """How long it has been (or was) open: to now while open, to its closing once closed."""
        return (self.review.closed_at or self.as_of) - self.review.opened_at

    @property
    def filled(self) -> list[str]:
        return [name for name in ESCALATION_SECTIONS if self.review.sections.get(name)]

    def as_data(self) -> dict:
        review, record = self.review, self.escalation
        at = lambda value: value.isoformat() if value else None  # noqa: E731
        return {
            "handoff_id": self.handoff_id,
            "ticket": str(self.ticket),
            "subject": self.subject,
            "url": self.url,
            "state": str(review.state),
            "kind": review.kind,
            "opened_at": at(review.opened_at),
            "age_seconds": int(self.age.total_seconds()),
            "editors": list(review.editors),
            "escalation": None
            if record is None
            else {
                "from_holder": str(record.from_holder) if record.from_holder else None,
                "to_holder": str(record.to_holder),
                "requested_by": record.requested_by,
                "requested_at": at(record.requested_at),
                "reason": record.reason,
                "summary": record.summary,
                "state": str(record.state),
                "forced": record.forced,
            },
            "sections": {name: review.sections.get(name, "") for name in ESCALATION_SECTIONS},
            "filled": self.filled,
            "cause_kind": review.cause_kind,
            "changes": [
                {"change": c.change, "reference": c.reference, "note": c.note, "by": c.by, "at": at(c.at)}
                for c in review.changes
            ],
            "updated_at": at(review.updated_at),
            "updated_by": review.updated_by,
            "closed_at": at(review.closed_at),
            "closed_by": review.closed_by,
        }


def age_text(age: timedelta) -> str:
    """`2d 3h`, `5h 10m`, `12m`: an age at a glance."""
    minutes = max(int(age.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"
