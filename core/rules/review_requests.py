"""Which handoffs ask for a review, which a lead audits, which escalations open a review: the rules' side.

The draws are reproducible: a handoff's draw is a hash of the deployment's seed, the purpose and the
handoff id, read as a number in [0, 1). Anyone with the seed can redo the draw and check that the
handoffs audited are the ones drawn, and a replay of the same events draws the same handoffs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from baton_itsm.core.domain.events import HandoffApplied, HandoffForced, HandoffRequested
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.review_events import EscalationReviewOpened, ReviewAsked
from baton_itsm.core.domain.ticket import HandoffRecord, Ticket
from baton_itsm.core.rules.actions import notify
from baton_itsm.core.rules.decisions import Decisions

ASK_MODES = ("all", "sample", "cross-group", "none")


def draw(seed: str, purpose: str, handoff_id: str) -> float:
    """A number in [0, 1) fixed by (seed, purpose, handoff id): the same handoff always draws the same."""
    digest = hashlib.sha256(f"{seed}\x00{purpose}\x00{handoff_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class ReviewPolicy:
    ask: str = "none"  # all | sample | cross-group | none: which applied handoffs ask the receiver
    sample_share: float = 0.2  # with ask: sample
    audit_share: float = 0.0  # the share of applied handoffs drawn for the receiving group's lead to audit
    seed: str = "baton"
    escalation_kinds: frozenset[HandoffKind] = frozenset(
        {HandoffKind.ADMINISTRATIVE_SERVICE, HandoffKind.ADMINISTRATIVE_SALES}
    )
    escalation_editors: tuple[str, ...] = ()  # besides the escalation manager

    def asks_receiver(self, record: HandoffRecord) -> bool:
        if record.from_holder is None or record.receiving_person is None:
            return False  # a first assignment has no sender to judge; a queue has no person to ask
        if self.ask == "all":
            return True
        if self.ask == "cross-group":
            return record.applied_to is not None and record.from_holder.group != record.applied_to.group
        if self.ask == "sample":
            return draw(self.seed, "ask", record.handoff_id) < self.sample_share
        return False

    def drawn_for_audit(self, handoff_id: str) -> bool:
        return self.audit_share > 0 and draw(self.seed, "audit", handoff_id) < self.audit_share


def reviews_on_apply(policy, ticket: Ticket, event: HandoffApplied) -> Decisions:
    """Ask the receiver and/or draw the lead's audit for a handoff that just took place."""
    reviews: ReviewPolicy = policy.reviews
    record = ticket.handoff(event.handoff_id)
    if record is None or record.from_holder is None:
        return Decisions()
    receiver = record.receiving_person if reviews.asks_receiver(record) else None
    lead = policy.lead_of(event.to_holder.group) if reviews.drawn_for_audit(record.handoff_id) else None
    if lead is not None and lead == record.receiving_person:
        lead = None  # nobody audits their own handoff
    if receiver is None and lead is None:
        return Decisions()
    decisions = Decisions(
        events=[
            ReviewAsked(
                ticket=ticket.key, at=event.at, by=None, handoff_id=record.handoff_id, receiver=receiver, auditor=lead
            )
        ]
    )
    details: dict[str, Any] = dict(
        handoff_id=record.handoff_id,
        holder=str(event.to_holder),
        from_holder=str(record.from_holder),
        requested_by=record.requested_by or "",
        reason=record.reason,
        summary=record.summary,
    )
    if receiver is not None:
        decisions.outgoing.append(
            notify("handoff-review", ticket.key, key=f"{ticket.key}:{record.handoff_id}", people=[receiver], **details)
        )
    if lead is not None:
        decisions.outgoing.append(
            notify(
                "handoff-audit",
                ticket.key,
                key=f"{ticket.key}:{record.handoff_id}",
                people=[lead],
                receiver=record.receiving_person or "",
                **details,
            )
        )
    return decisions


def escalation_review_on_open(policy, ticket: Ticket, event: HandoffRequested | HandoffForced) -> Decisions:
    """An administrative escalation opens its blameless review at once, not after resolution."""
    reviews: ReviewPolicy = policy.reviews
    if event.kind not in reviews.escalation_kinds or event.handoff_id in ticket.escalation_reviews:
        return Decisions()
    editors = sorted(
        {*reviews.escalation_editors, *filter(None, [policy.escalation_manager, policy.lead_of(event.to_holder.group)])}
    )
    decisions = Decisions(
        events=[
            EscalationReviewOpened(
                ticket=ticket.key,
                at=event.at,
                by=None,
                handoff_id=event.handoff_id,
                escalation_kind=str(event.kind),
                editors=editors,
            )
        ]
    )
    if editors:
        decisions.outgoing.append(
            notify(
                "escalation-review",
                ticket.key,
                key=f"{ticket.key}:{event.handoff_id}",
                people=editors,
                handoff_id=event.handoff_id,
                escalation_kind=str(event.kind),
                to_holder=str(event.to_holder),
                requested_by=event.by or "",
                reason=event.reason,
                summary=event.summary,
            )
        )
    return decisions
