"""A ticket as the ledger knows it: rebuilt by applying its events in order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from baton_itsm.core.domain.bounces import BounceCounter
from baton_itsm.core.domain.events import (
    HandoffAccepted,
    HandoffApplied,
    HandoffDeclined,
    HandoffExpired,
    HandoffForced,
    HandoffRequested,
    HandoffWithdrawn,
    HolderChanged,
    LedgerEvent,
)
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import TRANSITIONS, HandoffKind, HandoffState
from baton_itsm.core.domain.protocol_errors import InvalidTransition
from baton_itsm.core.domain.review_events import (
    EscalationReviewClosed,
    EscalationReviewLinked,
    EscalationReviewOpened,
    EscalationReviewReopened,
    EscalationReviewUpdated,
    HandoffAudited,
    HandoffReviewed,
    ReviewAsked,
)
from baton_itsm.core.domain.reviews import EscalationReview, LinkedChange, ReviewState
from baton_itsm.core.domain.rule_events import BOUNCE_RULES, RuleFired

# Entries that record something beside the protocol (core/domain/rule_events, history_events, convergence_events).
RECORD_ONLY_ENTRY_TYPES = frozenset({"rule", "history", "action-failed"})  # and ticket-lost/found: `lost`
# The SLA rule's entries name the step they fired in `source_event_id` ("cycle@share"): each fires once per cycle.
SLA_RULE = "sla"
_T = TypeVar("_T")


@dataclass
class HandoffRecord:
    handoff_id: str
    state: HandoffState
    from_holder: Holder | None
    to_holder: Holder
    kind: HandoffKind
    reason: str
    summary: str
    requested_by: str | None
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decline_reason: str | None = None
    decline_suggests: str | None = None  # the group a decline's reason suggests instead
    forced: bool = False
    applied_to: Holder | None = None  # who took it: a member accepting from a queue names themselves
    review_of: str | None = None  # the receiver asked to review it
    auditor: str | None = None  # the lead who drew it for audit
    reviewed_by: str | None = None
    audited_by: str | None = None

    @property
    def receiving_person(self) -> str | None:
        """The person who received the ticket (who may review the handoff), once it is applied."""
        return self.applied_to.person if self.applied_to else None

    def move_to(self, state: HandoffState) -> None:
        if state not in TRANSITIONS[self.state]:
            raise InvalidTransition(f"handoff {self.handoff_id} is {self.state}; it cannot become {state}")
        self.state = state


@dataclass
class Ticket:
    key: TicketKey
    holder: Holder | None = None
    version: int = 0  # number of ledger entries applied; the store uses it to refuse lost updates
    holders: list[Holder] = field(default_factory=list)  # every holder since the first assignment
    handoffs: dict[str, HandoffRecord] = field(default_factory=dict)
    first_assigned_at: datetime | None = None
    holder_since: datetime | None = None
    intake_groups: frozenset[str] = frozenset()  # triage queues: leaving them is the first assignment
    escalation_reviews: dict[str, EscalationReview] = field(default_factory=dict)  # by handoff id
    lost: str | None = None  # deleted, or hidden from Baton's account: nothing may move it until it is seen again
    held_at: list[datetime] = field(default_factory=list)  # when each of `holders` took the ticket
    assigned_index: int | None = None  # which of `holders` was the first assignment (intake left)
    first_route: str | None = None  # who or what made the first assignment, as the tool tells it ("unknown")
    bounce_rule_fired: str | None = None  # ping-pong or bounce-limit: they fire once per ticket
    sla_steps_fired: set[str] = field(default_factory=set)  # "cycle@share" of each SLA step a rule fired (RuleFired)
    _bounces: BounceCounter = field(init=False, repr=False)
    # the bounce count as it was before the latest applied handoff: a write of it the tool refused never happened
    _before_apply: tuple[str, BounceCounter, int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._bounces = BounceCounter(self.intake_groups)

    @classmethod
    def from_events(
        cls, key: TicketKey, events: Iterable[LedgerEvent], intake_groups: frozenset[str] = frozenset()
    ) -> Ticket:
        ticket = cls(key, intake_groups=intake_groups)
        for event in events:
            ticket.apply(event)
        return ticket

    def clone(self) -> Ticket:
        """A copy to decide on: what `apply` changes is copied, the frozen rest is shared."""
        # Attribute by attribute, not copy.copy and dataclasses.replace: the inbox worker clones every ticket of
        # a burst two or three times per delivery, and those took most of the clone's time.
        twin = _shallow(self)
        twin.holders = list(self.holders)
        twin.held_at = list(self.held_at)
        twin.handoffs = {k: _shallow(v) for k, v in self.handoffs.items()}
        twin.escalation_reviews = {k: v.copy() for k, v in self.escalation_reviews.items()}
        twin._bounces = self._bounces.copy()
        twin.sla_steps_fired = set(self.sla_steps_fired)
        return twin

    @property
    def bounces(self) -> int:
        return self._bounces.bounces

    def open_handoff(self) -> HandoffRecord | None:
        return next((h for h in self.handoffs.values() if h.state.is_open), None)

    def handoff(self, handoff_id: str) -> HandoffRecord | None:
        return self.handoffs.get(handoff_id)

    def known_handoff(self, handoff_id: str) -> HandoffRecord:
        """A handoff an applied ledger event names, so the ticket holds it (InvalidTransition if not)."""
        return self._record(handoff_id)

    def apply(self, event: LedgerEvent) -> None:
        match event:
            case HandoffRequested() | HandoffForced():
                forced = isinstance(event, HandoffForced)
                if event.handoff_id in self.handoffs:
                    raise InvalidTransition(f"handoff {event.handoff_id} exists already")
                self.handoffs[event.handoff_id] = HandoffRecord(
                    handoff_id=event.handoff_id,
                    state=HandoffState.FORCED if forced else HandoffState.REQUESTED,
                    from_holder=event.from_holder,
                    to_holder=event.to_holder,
                    kind=event.kind,
                    reason=event.reason,
                    summary=event.summary,
                    requested_by=event.by,
                    requested_at=event.at,
                    forced=forced,
                    decided_by=event.by if forced else None,
                    decided_at=event.at if forced else None,
                )
            case HandoffAccepted():
                record = self._record(event.handoff_id)
                record.move_to(HandoffState.ACCEPTED)
                record.decided_by, record.decided_at = event.by, event.at
            case HandoffApplied():
                record = self._record(event.handoff_id)
                record.move_to(HandoffState.APPLIED)
                record.applied_to = event.to_holder
                counter = self._bounces.copy()
                self._set_holder(event.to_holder, event.at, event.by)
                self._before_apply = (event.handoff_id, counter, len(self.holders))
            case HandoffDeclined():
                record = self._record(event.handoff_id)
                record.move_to(HandoffState.DECLINED)
                record.decided_by, record.decided_at, record.decline_reason = event.by, event.at, event.reason
                record.decline_suggests = event.suggested_group
            case HandoffExpired():
                record = self._record(event.handoff_id)
                record.move_to(HandoffState.EXPIRED)
                record.decided_at = event.at
            case HandoffWithdrawn():
                record = self._record(event.handoff_id)
                record.move_to(HandoffState.WITHDRAWN)
                record.decided_by, record.decided_at = event.by, event.at
            case HolderChanged():
                self.lost = None  # seen again (a reconciling entry), or never lost
                self._set_holder(event.to_holder, event.at, event.by)
            case _ if event.entry_type == "action-failed":
                self._undo_failed_apply(event)
            case _ if event.entry_type == "ticket-lost":
                self.lost = event.reason  # type: ignore[attr-defined]
            case _ if event.entry_type == "ticket-found":
                self.lost = None
            case ReviewAsked() | HandoffReviewed() | HandoffAudited():
                self._review(event)
            case (
                EscalationReviewOpened()
                | EscalationReviewUpdated()
                | EscalationReviewLinked()
                | EscalationReviewClosed()
                | EscalationReviewReopened()
            ):
                self._escalation_review(event)
            case RuleFired() if event.rule in BOUNCE_RULES:
                self.bounce_rule_fired = event.rule
            case RuleFired() if event.rule == SLA_RULE:
                self.sla_steps_fired.add(event.source_event_id)
            case _ if event.entry_type in RECORD_ONLY_ENTRY_TYPES:
                pass  # a rule's or an import's record: it changes no holder and no handoff
            case _:
                raise TypeError(f"not a ledger event: {event!r}")
        self.version += 1

    def _undo_failed_apply(self, event: LedgerEvent) -> None:
        """An applied handoff whose write the tool refused moved nobody in the tool: it is no bounce, nor is the
        ledger following the tool back (a reconciling entry). The holder stays until that entry says where the
        ticket is; the count goes back to before the apply, if nothing moved the ledger since."""
        handoff_id = getattr(event, "handoff_id", None)
        if (
            getattr(event, "action", None) == "apply"
            and self._before_apply is not None
            and self._before_apply[0] == handoff_id
            and self._before_apply[2] == len(self.holders)
        ):
            self._bounces = self._before_apply[1].copy()
            self._before_apply = None

    def _record(self, handoff_id: str) -> HandoffRecord:
        try:
            return self.handoffs[handoff_id]
        except KeyError:
            raise InvalidTransition(f"handoff {handoff_id} was never requested on {self.key}") from None

    def _review(self, event: ReviewAsked | HandoffReviewed | HandoffAudited) -> None:
        record = self._record(event.handoff_id)
        match event:
            case ReviewAsked():
                record.review_of, record.auditor = event.receiver, event.auditor
            case HandoffReviewed():
                record.reviewed_by = event.by
            case HandoffAudited():
                record.audited_by = event.by

    def _escalation_review(
        self,
        event: EscalationReviewOpened
        | EscalationReviewUpdated
        | EscalationReviewLinked
        | EscalationReviewClosed
        | EscalationReviewReopened,
    ) -> None:
        if isinstance(event, EscalationReviewOpened):
            self.escalation_reviews[event.handoff_id] = EscalationReview(
                event.handoff_id, event.escalation_kind, event.at, tuple(event.editors)
            )
            return
        review = self.escalation_reviews.get(event.handoff_id)
        if review is None:
            raise InvalidTransition(f"no escalation review for handoff {event.handoff_id} on {self.key}")
        review.updated_at, review.updated_by = event.at, event.by
        match event:
            case EscalationReviewUpdated():
                review.sections.update(event.sections)
                review.cause_kind = event.cause_kind or review.cause_kind
            case EscalationReviewLinked():
                review.changes.append(LinkedChange(event.change, event.reference, event.note, event.by, event.at))
            case EscalationReviewClosed():
                review.state, review.closed_at, review.closed_by = ReviewState.CLOSED, event.at, event.by
            case EscalationReviewReopened():
                review.state, review.closed_at, review.closed_by = ReviewState.OPEN, None, None

    def _set_holder(self, holder: Holder, at: datetime, by: str | None = None) -> None:
        if holder == self.holder:
            return
        if self.first_assigned_at is None:
            self.first_assigned_at = at
        self.holder = holder
        self.holder_since = at
        self.holders.append(holder)
        self.held_at.append(at)
        self._bounces.observe(holder)
        if self.assigned_index is None and self._bounces.assigned:
            self.assigned_index = len(self.holders) - 1
            self.first_route = by or "unknown"


def _shallow(record: _T) -> _T:
    """A shallow copy of a dataclass instance (one with a __dict__), without calling its __init__."""
    twin = object.__new__(type(record))
    twin.__dict__.update(record.__dict__)
    return twin
