"""Edge cases of the review metrics, on rows (pure): the per-engineer figures are in
tests/integration/test_report_reviews.py, on a ledger written through the store."""

from __future__ import annotations

import json
from datetime import datetime

from baton_itsm.core.metrics.review_scores import NO_REVIEWS, review_metrics
from baton_itsm.core.metrics.views import build_views

TICKETS = [(1, "t", "T1", None, None, None)]


def entry(entry_type, hhmm, actor=None, handoff=None, data=None, to_group=None, to_person=None, from_group=None):
    return (
        1,
        entry_type,
        f"2026-03-02 {hhmm}:00",
        actor,
        handoff,
        from_group,
        None,
        to_group,
        to_person,
        "administrative-service" if entry_type == "requested" else None,
        None,
        json.dumps(data or {}),
    )


def metrics(rows):
    return review_metrics(build_views(TICKETS, rows, datetime.fromisoformat), late_within_minutes=60)


def test_handoffs_without_any_review_entry_give_the_plain_message():
    rows = [
        entry("requested", "09:00", "alice", "h1", to_group="Network", from_group="Desk"),
        entry("accepted", "09:05", "carol", "h1"),
        entry("applied", "09:05", "carol", "h1", to_group="Network", to_person="carol", from_group="Desk"),
    ]
    assert metrics(rows) == {"entries": 0, "message": NO_REVIEWS}


def test_a_reopened_escalation_review_is_open_again_and_an_unapplied_handoff_is_not_reviewed():
    rows = [
        entry("requested", "09:00", "alice", "h1", to_group="Network", from_group="Desk"),
        entry("escalation-review-opened", "09:00", None, "h1", {"escalation_kind": "administrative-service"}),
        entry("escalation-review-updated", "09:10", "erin", "h1", {"sections": {}, "cause_kind": "contract"}),
        entry("escalation-review-updated", "09:20", "erin", "h1", {"sections": {"steps": "x"}, "cause_kind": None}),
        entry("escalation-review-closed", "09:30", "erin", "h1"),
        entry("escalation-review-reopened", "09:40", "erin", "h1", {"reason": "came back"}),
    ]
    reviews = metrics(rows)
    assert reviews["overall"]["handoffs"] == 0 and reviews["by_sender"] == [] and reviews["by_receiver"] == []
    escalations = reviews["escalation_reviews"]
    assert (escalations["open"], escalations["closed"]) == (1, 0)
    assert escalations["by_kind_and_cause"] == [
        {
            "escalation_kind": "administrative-service",
            "cause_kind": "contract",
            "reviews": 1,
            "open": 1,
            "closed": 0,
            "linked_changes": 0,
        }
    ]
