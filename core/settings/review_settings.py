"""Handoff reviews, audit sampling and escalation reviews: what a deployment asks and of whom."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.settings.base import Name, Strict

DEFAULT_GUIDANCE = (
    "Judge the handoff, not the person. It was not needed if the answer was in the knowledge base or the "
    "sender could have solved it with one more step. It was not done well if the receiver had to ask again "
    "for what had been tried. It was too early if the customer would have been better served waiting for "
    "the sender's next shift; too late if it sat with the sender after they knew they could not solve it."
)
DEFAULT_CAUSES = [
    "service decision",
    "contract or purchase",
    "unclear ownership",
    "missing information",
    "expectations",
    "process gap",
    "other",
]


class ReviewAsk(StrEnum):
    ALL = "all"
    SAMPLE = "sample"
    CROSS_GROUP = "cross-group"
    NONE = "none"


class EscalationReviewsConfig(Strict):
    # The kinds of escalation that open a blameless review when they open.
    kinds: list[HandoffKind] = [HandoffKind.ADMINISTRATIVE_SERVICE, HandoffKind.ADMINISTRATIVE_SALES]
    editors: list[Name] = []  # besides rules.acceptance_timeout.escalation_manager and the receiving group's lead
    # The kinds of cause a review may name (the report counts escalation causes by kind).
    causes: list[Name] = Field(default_factory=lambda: list(DEFAULT_CAUSES), min_length=1)


class ReviewsConfig(Strict):
    ask: ReviewAsk = ReviewAsk.NONE  # which handoffs ask their receiver for a review
    sample_share: float = Field(0.2, ge=0, le=1)  # with ask: sample, the share of handoffs that ask
    audit_share: float = Field(0.0, ge=0, le=1)  # the share drawn for the receiving group's lead to audit
    seed: Name = "baton"  # the audit draw's seed: anyone with it can redo the draw
    audit_guidance: str = DEFAULT_GUIDANCE  # shown on the lead's audit form
    escalations: EscalationReviewsConfig = EscalationReviewsConfig()

    @field_validator("audit_guidance")
    @classmethod
    def guidance_is_text(cls, value: str) -> str:
        return value.strip() or DEFAULT_GUIDANCE
