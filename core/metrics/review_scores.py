"""Handoff reviews per engineer: every handoff that took place, with its sender, its receiver, the receiver's
review, the lead's audit and the late-handoff signal from timings; tallied per sender, per receiver, per
receiving group and per period (of the ticket's opening).

Who is who:
- the sender is whoever asked for the handoff: the `requested` or `forced` entry's actor. A handoff a rule
  made counts as the rule's (`rule:stale`), not as the person who held the ticket: they neither chose nor
  prepared it, and a person's row should count only the handoffs that person made.
- the receiver is the person the handoff was applied to; one applied to a queue is `GROUP (queue)`, which
  has nobody to ask and so counts as a handoff without a review.

A handoff is late by timing when core/metrics/timing.py's late-handoff measure picks it: it was the
ticket's last handoff between groups and the ticket was resolved within the window after it. So the per-handoff
signal adds up to that measure's count, and a handoff within one group never carries it.

Shares are over the questions answered (each is optional), with the counts beside them, so that "1 of 1"
is not read as a trend. The response rate is over the reviews asked for; a receiver may also review a
handoff unasked, which counts as reviewed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from baton_itsm.core.metrics.audits import audit_metrics
from baton_itsm.core.metrics.bounces import NO_GROUP
from baton_itsm.core.metrics.escalation_reviews import escalation_review_metrics
from baton_itsm.core.metrics.periods import PeriodOf, in_order
from baton_itsm.core.metrics.stats import share
from baton_itsm.core.metrics.timing import late_transfer
from baton_itsm.core.metrics.views import TicketView

NO_REVIEWS = "no handoff reviews yet: receivers review handoffs once the deployment enables reviews (settings: reviews)"


@dataclass(frozen=True, slots=True)
class ReviewedHandoff:
    """One applied handoff and what was said of it."""

    ticket: str  # instance:id
    handoff_id: str
    sender: str
    receiver: str
    asked: bool  # the receiver was asked to review it
    drawn_for: str | None  # the lead it was drawn for, for audit
    review: dict[str, Any] | None  # the receiver's answers (needed, prepared, timely, note)
    audit: dict[str, Any] | None  # the lead's answers
    receiver_person: str | None  # who reviewed (the receiver)
    lead: str | None  # who audited
    late_by_timing: bool
    group: str  # the group it was handed to
    period: str  # the period the ticket was opened in (core/metrics/periods)


def reviewed_handoffs(
    views: Sequence[TicketView], late_within_minutes: float, period_of: Callable[[str | None], str] | None = None
) -> list[ReviewedHandoff]:
    found, period_of = [], period_of or PeriodOf()
    for view in views:
        if not view.handoffs:
            continue
        period = period_of(view.opened_text)
        late_index = late_transfer(view, late_within_minutes)
        said: dict[tuple[str, str | None], tuple[str | None, Any]] = {}
        for entry_type, _, actor, handoff_id, data in view.reviews:
            if entry_type in ("review-asked", "reviewed", "audited"):
                said[entry_type, handoff_id] = (actor, data)  # each is given once; the last would win
        for record in view.handoffs.values():
            if record.state != "applied":
                continue
            hid = record.handoff_id
            asked = said.get(("review-asked", hid), (None, {}))[1]
            reviewer, review = said.get(("reviewed", hid), (None, None))
            lead, audit = said.get(("audited", hid), (None, None))
            found.append(
                ReviewedHandoff(
                    ticket=f"{view.instance}:{view.ticket_id}",
                    handoff_id=hid,
                    sender=record.requested_by or "(unknown)",
                    receiver=record.receiver or f"{record.to_group} (queue)",
                    asked=bool(asked.get("receiver")),
                    drawn_for=asked.get("auditor"),
                    review=review,
                    audit=audit,
                    receiver_person=reviewer,
                    lead=lead,
                    late_by_timing=late_index is not None and record.transfer == late_index,
                    group=record.to_group or NO_GROUP,
                    period=period,
                )
            )
    return found


def tally(handoffs: Iterable[ReviewedHandoff], who: Callable[[ReviewedHandoff], str], column: str) -> list[dict]:
    """One row per person (sender or receiver), most handoffs first."""
    rows: dict[str, dict] = {}
    for handoff in handoffs:
        name = who(handoff)
        _count(rows.setdefault(name, dict.fromkeys(_COUNTS, 0)), handoff)
    return [
        {column: name, **_with_shares(row)}
        for name, row in sorted(rows.items(), key=lambda item: (-item[1]["handoffs"], item[0]))
    ]


def total(handoffs: Iterable[ReviewedHandoff]) -> dict:
    """The same figures over every handoff."""
    row = dict.fromkeys(_COUNTS, 0)
    for handoff in handoffs:
        _count(row, handoff)
    return _with_shares(row)


_COUNTS = (
    "handoffs",
    "asked",
    "reviewed",
    "answered_asked",
    "needed_answered",
    "unneeded",
    "prepared_answered",
    "poorly_prepared",
    "timely_answered",
    "too_early",
    "too_late",
    "late_by_timing",
    "too_late_and_by_timing",
)


def _count(row: dict, handoff: ReviewedHandoff) -> None:
    row["handoffs"] += 1
    row["asked"] += handoff.asked
    row["late_by_timing"] += handoff.late_by_timing
    review = handoff.review
    if review is None:
        return
    row["reviewed"] += 1
    row["answered_asked"] += handoff.asked
    if review.get("needed") is not None:
        row["needed_answered"] += 1
        row["unneeded"] += review["needed"] is False
    if review.get("prepared") is not None:
        row["prepared_answered"] += 1
        row["poorly_prepared"] += review["prepared"] is False
    if review.get("timely") is not None:
        row["timely_answered"] += 1
        row["too_early"] += review["timely"] == "early"
        row["too_late"] += review["timely"] == "late"
        row["too_late_and_by_timing"] += review["timely"] == "late" and handoff.late_by_timing


def _with_shares(row: dict) -> dict:
    """The counts in their published order, each beside the share it makes."""
    return {
        "handoffs": row["handoffs"],
        "reviewed": row["reviewed"],
        "asked": row["asked"],
        "reviewed_of_asked": row["answered_asked"],
        "response_rate": share(row["answered_asked"], row["asked"]),
        "needed_answered": row["needed_answered"],
        "unneeded": row["unneeded"],
        "unneeded_share": share(row["unneeded"], row["needed_answered"]),
        "prepared_answered": row["prepared_answered"],
        "poorly_prepared": row["poorly_prepared"],
        "poorly_prepared_share": share(row["poorly_prepared"], row["prepared_answered"]),
        "timely_answered": row["timely_answered"],
        "too_early": row["too_early"],
        "too_late": row["too_late"],
        "too_late_share": share(row["too_late"], row["timely_answered"]),
        "late_by_timing": row["late_by_timing"],
        "late_by_timing_share": share(row["late_by_timing"], row["handoffs"]),
        "too_late_and_by_timing": row["too_late_and_by_timing"],
    }


def _oldest_first(rows: list[dict]) -> list[dict]:
    by_period = {row["period"]: row for row in rows}
    return [by_period[period] for period in in_order(by_period)]


def review_metrics(
    views: Iterable[TicketView], late_within_minutes: float, period_of: Callable[[str | None], str] | None = None
) -> dict:
    """Reviews, audits and escalation reviews, or a plain message when the ledger holds none."""
    views = [view for view in views if view.handoffs or view.reviews]  # the tickets they are about
    if not any(view.reviews for view in views):  # the common case of an imported history: nothing to add up
        return {"entries": 0, "message": NO_REVIEWS}
    handoffs = reviewed_handoffs(views, late_within_minutes, period_of)
    return {
        "entries": sum(len(view.reviews) for view in views),
        "late_within_minutes": late_within_minutes,
        "overall": total(handoffs),
        "by_sender": tally(handoffs, lambda h: h.sender, "sender"),
        "by_receiver": tally(handoffs, lambda h: h.receiver, "receiver"),
        "by_group": tally(handoffs, lambda h: h.group, "group"),
        "by_period": _oldest_first(tally(handoffs, lambda h: h.period, "period")),
        "audit": audit_metrics(handoffs),
        "escalation_reviews": escalation_review_metrics(views),
    }
