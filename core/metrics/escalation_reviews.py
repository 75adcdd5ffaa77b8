"""Escalation reviews in numbers: how many by escalation kind and cause kind, open or closed, and the rule
or SLA changes they led to; and the reviews still open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from baton_itsm.core.metrics.views import TicketView

NO_CAUSE = "(not given yet)"


@dataclass(slots=True)
class _Review:
    ticket: str
    handoff_id: str
    kind: str
    opened_at: datetime
    cause_kind: str | None = None
    closed: bool = False
    changes: list[str] = field(default_factory=list)  # "rule: reference"


def escalation_review_metrics(views: Sequence[TicketView]) -> dict:
    reviews = [review for view in views for review in _reviews(view)]
    cells: dict[tuple[str, str], dict] = {}
    for review in reviews:
        cause = review.cause_kind or NO_CAUSE
        cell = cells.setdefault(
            (review.kind, cause),
            {
                "escalation_kind": review.kind,
                "cause_kind": cause,
                "reviews": 0,
                "open": 0,
                "closed": 0,
                "linked_changes": 0,
            },
        )
        cell["reviews"] += 1
        cell["closed" if review.closed else "open"] += 1
        cell["linked_changes"] += len(review.changes)
    return {
        "reviews": len(reviews),
        "open": sum(not r.closed for r in reviews),
        "closed": sum(r.closed for r in reviews),
        "linked_changes": sum(len(r.changes) for r in reviews),
        "with_a_change": sum(1 for r in reviews if r.changes),
        "by_kind_and_cause": sorted(
            cells.values(), key=lambda c: (c["escalation_kind"], -c["reviews"], c["cause_kind"])
        ),
        "open_reviews": [
            {
                "ticket": r.ticket,
                "handoff": r.handoff_id,
                "escalation_kind": r.kind,
                "opened_at": r.opened_at.isoformat(sep=" ", timespec="minutes"),
                "cause_kind": r.cause_kind or NO_CAUSE,
            }
            for r in sorted(reviews, key=lambda r: r.opened_at)
            if not r.closed
        ],
    }


def _reviews(view: TicketView) -> list[_Review]:
    """The ticket's escalation reviews, as its entries (in ledger order) left them."""
    found: dict[str | None, _Review] = {}
    for entry_type, at, _, handoff_id, data in view.reviews:
        if entry_type == "escalation-review-opened":
            found[handoff_id] = _Review(
                f"{view.instance}:{view.ticket_id}", handoff_id or "", data.get("escalation_kind") or "(unknown)", at
            )
        elif (review := found.get(handoff_id)) is None:
            continue
        elif entry_type == "escalation-review-updated":
            review.cause_kind = data.get("cause_kind") or review.cause_kind  # as the domain's Ticket keeps it
        elif entry_type == "escalation-review-linked":
            review.changes.append(f"{data.get('change')}: {data.get('reference')}")
        elif entry_type in ("escalation-review-closed", "escalation-review-reopened"):
            review.closed = entry_type == "escalation-review-closed"
    return list(found.values())
