"""Each metric on a small hand-made ledger with known answers (pure: rows in, numbers out)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from baton_itsm.core.metrics.reviews import NO_REVIEWS
from baton_itsm.core.metrics.summary import compute_metrics, summary_lines
from baton_itsm.core.metrics.views import build_views

TICKETS = [(1, "t", "T1", "3 - Moderate", "Network", "Closed"), (2, "t", "T2", None, None, "Resolved"),
           (3, "t", "T3", None, None, "Active"), (4, "t", "T4", None, None, "New")]


def at(hhmm: str) -> str:
    return f"2026-03-02 {hhmm}:00"


def holder(ticket, when, by, from_group, from_person, to_group, to_person, entry="holder-changed", handoff=None):
    return (ticket, entry, at(when), by, handoff, from_group, from_person, to_group, to_person, None, None, None)


def summary(ticket, opened, resolved, reopens, tool, derived, mismatch=None):
    data = {"source_event_id": f"s{ticket}", "opened_at": opened and at(opened), "resolved_at": resolved and
            at(resolved), "reopen_count": reopens, "tool_reassignments": tool, "derived_reassignments": derived,
            "updates": 3, "mismatch": mismatch}
    return (ticket, "history", at("23:00"), None, None, None, None, None, None, None, None, json.dumps(data))


ROWS = [
    # T1: Desk queue -> alice pulls (30 min) -> Network queue (bounce) -> carol pulls (2 h) -> resolved 3 h later
    holder(1, "09:00", "x", None, None, "Desk", None),
    holder(1, "09:30", "alice", "Desk", None, "Desk", "alice"),
    holder(1, "10:00", "alice", "Desk", "alice", "Network", None),
    holder(1, "12:00", "carol", "Network", None, "Network", "carol"),
    summary(1, "08:55", "13:00", 0, 1, 1),
    # T2: alice -> bob in the same group (bounce) -> Server queue (bounce) -> resolved 20 min later (a late handoff)
    holder(2, "09:00", "x", None, None, "Desk", "alice"),
    holder(2, "09:10", "alice", "Desk", "alice", "Desk", "bob"),
    holder(2, "09:20", "bob", "Desk", "bob", "Server", None),
    summary(2, "08:50", "09:40", 2, 3, 2, "counter moved +1 while the group stayed empty, between consecutive updates"),
    # T3: a Baton handoff requested, accepted 45 min later and applied; a technical escalation declined
    holder(3, "09:00", "x", None, None, "Desk", "alice"),
    (3, "requested", at("10:00"), "alice", "h1", "Desk", "alice", "Network", None, "reassign", "switch", "{}"),
    (3, "accepted", at("10:45"), "carol", "h1", None, None, None, None, None, None, "{}"),
    holder(3, "10:45", "carol", "Desk", "alice", "Network", "carol", entry="applied", handoff="h1"),
    (3, "requested", at("11:00"), "carol", "h2", "Network", "carol", "Vendor", None, "vendor", "warranty", "{}"),
    (3, "declined", at("11:30"), "vera", "h2", None, None, None, None, None, "not under contract", "{}"),
    (3, "rule", at("12:00"), None, None, None, None, None, None, None, None,
     json.dumps({"rule": "stale", "outcome": "escalated"})),
    # T4: nothing but an arrival in the Desk queue, opened in April
    holder(4, "09:00", "x", None, None, "Desk", None),
    (4, "history", at("09:00"), None, None, None, None, None, None, None, None,
     json.dumps({"source_event_id": "s4", "opened_at": "2026-04-01 08:00:00", "resolved_at": None,
                 "reopen_count": 0, "tool_reassignments": 0, "derived_reassignments": 0, "updates": 1})),
]


@pytest.fixture(scope="module")
def metrics():
    views = build_views(TICKETS, ROWS, datetime.fromisoformat)
    return compute_metrics(views, late_within_minutes=30)


def test_bounce_count_mean_distribution_and_share_of_three_or_more(metrics):
    bounces = metrics["bounces"]
    assert bounces["tickets"] == 4 and bounces["total"] == 4  # T1: 1, T2: 2, T3: 1, T4: 0
    assert bounces["mean"] == 1.0
    assert bounces["distribution"] == {"0": 1, "1": 2, "2": 1, "3": 0, "4": 0, "5": 0, "6+": 0}
    assert bounces["share_3_plus"] == 0.0


def test_bounces_by_group_agent_and_period(metrics):
    by_group = {row["group"]: row for row in metrics["bounces"]["by_group"]}
    assert by_group["Desk"]["bounces_out"] == 4 and by_group["Desk"]["tickets_held"] == 4
    assert {r["agent"]: r["bounces_made"] for r in metrics["bounces"]["by_agent"]} == {"alice": 2, "bob": 1,
                                                                                         "carol": 1}
    periods = {row["period"]: row for row in metrics["bounces"]["by_period"]}
    assert periods["2026-03"]["tickets"] == 3 and periods["2026-03"]["mean"] == pytest.approx(4 / 3, abs=1e-3)
    assert periods["2026-04"] == {"period": "2026-04", "tickets": 1, "mean": 0.0, "share_3_plus": 0.0}


def test_receiver_pickup_after_a_transfer(metrics):
    # Desk queue 09:00 -> alice 09:30 (30 min), Network queue 10:00 -> carol 12:00 (120 min); T2's Server
    # queue and T4's Desk queue are never picked up; T3 arrives at named people.
    assert metrics["pickup_minutes"] == {"count": 2, "mean": 75.0, "median": 30.0, "p90": 120.0}
    assert {row["group"]: row["median"] for row in metrics["pickup_by_group"]} == {"Desk": 30.0, "Network": 120.0}


def test_resolution_after_the_last_handoff_and_late_handoffs(metrics):
    # T1: Network at 10:00, resolved 13:00 (180 min); T2: Server at 09:20, resolved 09:40 (20 min)
    assert metrics["resolution_after_last_handoff_minutes"] == {"count": 2, "mean": 100.0, "median": 20.0,
                                                                "p90": 180.0}
    late = metrics["late_handoffs"]
    assert (late["tickets"], late["of_resolved_tickets_with_a_handoff"], late["share"]) == (1, 2, 0.5)
    assert late["by_receiving_group"] == [{"group": "Server", "late_handoffs": 1}]


def test_reopen_rate(metrics):
    assert metrics["reopen"] == {"tickets": 3, "reopened": 1, "rate": 0.3333}


def test_acceptance_time_decline_reasons_and_escalations(metrics):
    assert metrics["acceptance_minutes"]["median"] == 45.0
    assert metrics["decline_reasons"] == [{"reason": "not under contract", "count": 1}]
    assert metrics["handoffs"] == {"applied": 1, "declined": 1}
    assert metrics["escalations_by_kind"] == [{"kind": "vendor", "count": 1}]
    assert metrics["escalations_by_rule"] == [{"rule": "stale: escalated", "count": 1}]


def test_no_reviews_yet_is_said_plainly(metrics):
    assert metrics["reviews"] == {"entries": 0, "message": NO_REVIEWS}
    assert NO_REVIEWS in summary_lines(metrics)


def test_tool_counter_beside_the_derived_count(metrics):
    tool = metrics["tool_counter"]
    assert (tool["tickets"], tool["agreeing"], tool["share"]) == (3, 2, 0.6667)
    assert tool["disagreements"] == {"Baton lower": 1}
    assert tool["disagreement_classes"][0]["class"].startswith("counter moved +1 while the group stayed empty")


def test_intake_groups_make_leaving_them_the_first_assignment():
    views = build_views(TICKETS[:2], ROWS, datetime.fromisoformat)
    # With Desk as intake, T1's move to Network is its first assignment and T2's only bounce is Server -> none.
    assert compute_metrics(views, intake_groups=frozenset({"Desk"}))["bounces"]["total"] == 0
