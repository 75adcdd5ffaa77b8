"""Each metric on a small hand-made ledger with known answers (pure: rows in, numbers out)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from baton_itsm.core.metrics.periods import PERIODS, PeriodOf, in_order
from baton_itsm.core.metrics.review_scores import NO_REVIEWS
from baton_itsm.core.metrics.summary import compute_metrics, summary_lines
from baton_itsm.core.metrics.views import build_views

TICKETS = [
    (1, "t", "T1", "3 - Moderate", "Network", "Closed"),
    (2, "t", "T2", None, None, "Resolved"),
    (3, "t", "T3", None, None, "Active"),
    (4, "t", "T4", None, None, "New"),
]


def at(hhmm: str) -> str:
    return f"2026-03-02 {hhmm}:00"


def holder(ticket, when, by, from_group, from_person, to_group, to_person, entry="holder-changed", handoff=None):
    return (ticket, entry, at(when), by, handoff, from_group, from_person, to_group, to_person, None, None, None)


def summary(ticket, opened, resolved, reopens, tool, derived, mismatch=None):
    data = {
        "source_event_id": f"s{ticket}",
        "opened_at": opened and at(opened),
        "resolved_at": resolved and at(resolved),
        "reopen_count": reopens,
        "tool_reassignments": tool,
        "derived_reassignments": derived,
        "updates": 3,
        "mismatch": mismatch,
    }
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
    (
        3,
        "rule",
        at("12:00"),
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        json.dumps({"rule": "stale", "outcome": "escalated"}),
    ),
    # T4: nothing but an arrival in the Desk queue, opened in April
    holder(4, "09:00", "x", None, None, "Desk", None),
    (
        4,
        "history",
        at("09:00"),
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        json.dumps(
            {
                "source_event_id": "s4",
                "opened_at": "2026-04-01 08:00:00",
                "resolved_at": None,
                "reopen_count": 0,
                "tool_reassignments": 0,
                "derived_reassignments": 0,
                "updates": 1,
            }
        ),
    ),
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
    assert {r["agent"]: r["bounces_made"] for r in metrics["bounces"]["by_agent"]} == {"alice": 2, "bob": 1, "carol": 1}
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
    assert metrics["resolution_after_last_handoff_minutes"] == {"count": 2, "mean": 100.0, "median": 20.0, "p90": 180.0}
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


def _columns(rows: list[dict], key: str, *columns: str) -> dict:
    return {row[key]: tuple(row[c] for c in columns) for row in rows}


def test_scorecard_by_group(metrics):
    rows = metrics["scorecards"]["by_group"]
    assert [row["group"] for row in rows] == ["Desk", "Network", "Server", "Vendor"]  # most tickets held first
    # Desk held every ticket and lost four bounces (T1 alice, T2 alice and bob, T3 carol); alice took T1 from its
    # queue after 30 min; nothing was resolved while Desk held it.
    assert _columns(
        rows,
        "group",
        "tickets_held",
        "bounces_out",
        "bounces_per_ticket_held",
        "pickups",
        "pickup_median_minutes",
        "resolved",
        "reopen_rate",
    )["Desk"] == (4, 4, 1.0, 1, 30.0, 0, None)
    # Network: carol picked T1 up after 120 min and resolved it 180 min after it arrived, not reopened; h1 to
    # Network was accepted after 45 min. Server: T2 was resolved 20 min after arriving (late within 30 min), reopened.
    timing = (
        "pickups",
        "pickup_median_minutes",
        "resolved_after_handoff",
        "resolution_median_minutes",
        "late_handoffs_received",
        "late_share",
        "resolved",
        "reopened",
        "reopen_rate",
    )
    assert _columns(rows, "group", *timing)["Network"] == (1, 120.0, 1, 180.0, 0, 0.0, 1, 0, 0.0)
    assert _columns(rows, "group", *timing)["Server"] == (0, None, 1, 20.0, 1, 1.0, 1, 1, 1.0)
    protocol = ("handoffs_to", "accepted", "acceptance_median_minutes", "declined", "escalations_received")
    assert _columns(rows, "group", *protocol) == {
        "Desk": (0, 0, None, 0, 0),
        "Network": (1, 1, 45.0, 0, 0),
        "Server": (0, 0, None, 0, 0),
        "Vendor": (1, 0, None, 1, 1),
    }
    assert rows[3]["tickets_held"] == 0 and rows[3]["bounces_per_ticket_held"] is None  # Vendor never held one


def test_scorecard_by_agent(metrics):
    rows = metrics["scorecards"]["by_agent"]
    assert [row["agent"] for row in rows] == ["carol", "alice", "x", "bob", "vera"]  # most active first
    columns = (
        "moves_made",
        "bounces_made",
        "late_handoffs_made",
        "pickups",
        "pickup_median_minutes",
        "resolved",
        "resolution_median_minutes",
        "reopen_rate",
        "accepted",
        "acceptance_median_minutes",
        "declined",
        "escalations_requested",
    )
    assert _columns(rows, "agent", *columns) == {
        # carol pulled T1 (120 min) and held it when it was resolved, 180 min after its last handoff; accepted
        # h1 after 45 min (its applied move is hers: a bounce on T3); asked for the vendor escalation h2
        "carol": (2, 1, 0, 1, 120.0, 1, 180.0, 0.0, 1, 45.0, 0, 1),
        "alice": (3, 2, 0, 1, 30.0, 0, None, None, 0, None, 0, 0),
        "x": (4, 0, 0, 0, None, 0, None, None, 0, None, 0, 0),
        "bob": (1, 1, 1, 0, None, 0, None, None, 0, None, 0, 0),  # T2 to Server, resolved 20 min later: late
        "vera": (0, 0, 0, 0, None, 0, None, None, 0, None, 1, 0),
    }


def test_scorecard_by_period(metrics):
    assert metrics["scorecards"]["period"] == "month"
    march, april = metrics["scorecards"]["by_period"]
    # March: T1, T2, T3 (bounces 1, 2, 1); pickups 30 and 120 min (nearest-rank median 30); resolved 180 and 20 min
    # after the last handoff, T2 late; reopened T2 of T1 and T2 (T3 has no count); h1 accepted in 45 min, h2 declined
    assert march == {
        "period": "2026-03",
        "tickets": 3,
        "bounce_mean": 1.333,
        "share_3_plus": 0.0,
        "pickups": 2,
        "pickup_median_minutes": 30.0,
        "resolved_after_handoff": 2,
        "resolution_median_minutes": 20.0,
        "late_handoffs": 1,
        "late_share": 0.5,
        "reopened": 1,
        "reopen_rate": 0.5,
        "handoffs": 2,
        "accepted": 1,
        "acceptance_median_minutes": 45.0,
        "declined": 1,
        "escalations": 1,
    }
    assert april == {
        "period": "2026-04",
        "tickets": 1,
        "bounce_mean": 0.0,
        "share_3_plus": 0.0,
        "pickups": 0,
        "pickup_median_minutes": None,
        "resolved_after_handoff": 0,
        "resolution_median_minutes": None,
        "late_handoffs": 0,
        "late_share": None,
        "reopened": 0,
        "reopen_rate": 0.0,
        "handoffs": 0,
        "accepted": 0,
        "acceptance_median_minutes": None,
        "declined": 0,
        "escalations": 0,
    }


@pytest.mark.parametrize(
    ("period", "march", "april"), [("week", "2026-W10", "2026-W14"), ("quarter", "2026-Q1", "2026-Q2")]
)
def test_periods_are_weeks_or_quarters_on_request(period, march, april):
    views = build_views(TICKETS, ROWS, datetime.fromisoformat)
    metrics = compute_metrics(views, late_within_minutes=30, period=period)
    assert [row["period"] for row in metrics["scorecards"]["by_period"]] == [march, april]
    assert [row["period"] for row in metrics["bounces"]["by_period"]] == [march, april]


def test_period_of_an_opening_time():
    assert [PeriodOf(kind)("2027-01-01 10:00:00") for kind in PERIODS] == ["2027-01", "2026-W53", "2027-Q1"]
    assert PeriodOf()(None) == "unknown"
    assert in_order(["unknown", "2026-W10", "2025-W52"]) == ["2025-W52", "2026-W10", "unknown"]
    with pytest.raises(ValueError, match="period must be one of month, week, quarter"):
        PeriodOf("day")


def test_tallies_of_two_parts_merge_into_the_figures_of_one_pass():
    from baton_itsm.core.metrics.summary import Tallies

    views = list(build_views(TICKETS, ROWS, datetime.fromisoformat))
    one = compute_metrics(views)
    for cut in range(len(views) + 1):  # every place the tickets can be parted, the empty halves too
        two = Tallies().add_all(views[:cut]).merge(Tallies().add_all(views[cut:])).result()
        assert two == one, f"parted after {cut} tickets"


def test_tallies_with_other_settings_are_not_merged():
    from baton_itsm.core.metrics.summary import Tallies

    with pytest.raises(ValueError, match="differ in a setting"):
        Tallies(late_within_minutes=60).merge(Tallies(late_within_minutes=30))
