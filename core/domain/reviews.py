"""Reviews: how a receiver (or an auditing lead) judges a handoff, and the blameless record of an escalation.

A handoff review answers three questions, each optional: was the handoff needed, was it done well (was
what had been tried summarised), was it timely. An escalation review records what happened and what
would prevent it; it has no field that names a person to blame, by design.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from baton_itsm.core.domain.protocol_errors import InvalidRequest

YES = frozenset({"yes", "y", "true", "1", "needed", "well", "good"})
NO = frozenset({"no", "n", "false", "0", "unneeded", "poor", "poorly", "bad"})


class Timeliness(StrEnum):
    EARLY = "early"  # too early: the sender could have gone further first
    RIGHT = "right"
    LATE = "late"  # too late: it should have come sooner

    @property
    def label(self) -> str:
        return {"early": "too early", "right": "about right", "late": "too late"}[self.value]

    @classmethod
    def parse(cls, text: str) -> Timeliness:
        value = text.strip().lower().replace("_", "-").replace(" ", "-")
        aliases = {
            "too-early": "early",
            "about-right": "right",
            "ok": "right",
            "on-time": "right",
            "timely": "right",
            "too-late": "late",
        }
        try:
            return cls(aliases.get(value, value))
        except ValueError:
            raise InvalidRequest(f"timely: {text!r} is not an answer; say early, right or late") from None


def parse_yes_no(question: str, text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise InvalidRequest(f"{question}: {text!r} is not an answer; say yes or no")


@dataclass(frozen=True)
class HandoffAnswers:
    """A review's answers. None means the question was left unanswered (every question is optional)."""

    needed: bool | None = None
    prepared: bool | None = None  # done well: was what had been tried summarised?
    timely: Timeliness | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "note", (self.note or "").strip())

    @property
    def is_empty(self) -> bool:
        return self.needed is None and self.prepared is None and self.timely is None and not self.note

    @classmethod
    def parse(
        cls, needed: str | None = None, prepared: str | None = None, timely: str | None = None, note: str | None = None
    ) -> HandoffAnswers:
        """From text as forms, comments and the CLI give it; blank means unanswered."""
        return cls(
            needed=parse_yes_no("needed", needed) if needed and needed.strip() else None,
            prepared=parse_yes_no("prepared", prepared) if prepared and prepared.strip() else None,
            timely=Timeliness.parse(timely) if timely and timely.strip() else None,
            note=note or "",
        )

    def as_data(self) -> dict:
        return {
            "needed": self.needed,
            "prepared": self.prepared,
            "timely": str(self.timely) if self.timely else None,
            "note": self.note,
        }

    def disagrees_with(self, other: HandoffAnswers) -> list[str]:
        """The questions both answered, differently (a lead's audit beside the receiver's review)."""
        return [
            q
            for q in ("needed", "prepared", "timely")
            if getattr(self, q) is not None and getattr(other, q) is not None and getattr(self, q) != getattr(other, q)
        ]


# The sections of an escalation review, in the order the form shows them. There is deliberately no
# section for who caused it: a blameless review is about causes and conditions, not culprits.
ESCALATION_SECTIONS: dict[str, str] = {
    "cause": "What caused the escalation",
    "steps": "Steps taken",
    "problems": "Problems met",
    "helped": "What helped",
    "prevention": "What would prevent it",
}
CHANGE_KINDS = ("rule", "sla")


class ReviewState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class LinkedChange:
    change: str  # rule | sla
    reference: str  # where the change lives: a rule file commit, an SLA document, a change ticket
    note: str
    by: str | None
    at: datetime


@dataclass
class EscalationReview:
    """An escalation's blameless review, as its ledger entries built it."""

    handoff_id: str
    kind: str
    opened_at: datetime
    editors: tuple[str, ...]
    state: ReviewState = ReviewState.OPEN
    sections: dict[str, str] = field(default_factory=dict)
    cause_kind: str | None = None
    changes: list[LinkedChange] = field(default_factory=list)
    updated_at: datetime | None = None
    updated_by: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None

    def copy(self) -> EscalationReview:
        return replace(self, sections=dict(self.sections), changes=list(self.changes))


def check_sections(sections: dict[str, str]) -> dict[str, str]:
    """The sections as given, trimmed; InvalidRequest naming any section a review does not have."""
    unknown = sorted(set(sections) - set(ESCALATION_SECTIONS))
    if unknown:
        raise InvalidRequest(
            f"an escalation review has no section {', '.join(map(repr, unknown))}; its sections are "
            f"{', '.join(ESCALATION_SECTIONS)} (it records what happened and what would prevent it, not who is to "
            "blame)"
        )
    return {name: (text or "").strip() for name, text in sections.items()}
