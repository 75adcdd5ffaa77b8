"""The report's bounces by first route: who or what made each ticket's first assignment, and how its tickets
bounced afterwards (JSON, a CSV file and an HTML table)."""

from __future__ import annotations

from datetime import datetime

from baton_itsm.core.metrics.summary import compute_metrics, summary_lines, tables
from baton_itsm.core.metrics.views import build_views
from tests.unit.test_metrics import holder

TICKETS = [(n, "t", f"T{n}", None, None, "Active") for n in (1, 2, 3, 4, 5)]
ROWS = [
    # 1: the assignment rule sends it to the Desk, which sends it to Network and back: 2 bounces
    holder(1, "09:00", "auto-assign", None, None, "Desk", None),
    holder(1, "09:10", "alice", "Desk", None, "Network", None),
    holder(1, "09:20", "carol", "Network", None, "Desk", None),
    # 2: the same rule, to Network, taken there by carol: no bounce
    holder(2, "09:00", "auto-assign", None, None, "Network", None),
    holder(2, "09:05", "carol", "Network", None, "Network", "carol"),
    # 3: waits in Triage; tina's assignment out of it is the first; one bounce after it
    holder(3, "09:00", "mail-gateway", None, None, "Triage", None),
    holder(3, "09:30", "tina", "Triage", None, "Desk", "alice"),
    holder(3, "09:40", "alice", "Desk", "alice", "Server", None),
    # 4: the tool did not say who assigned it: unknown; one bounce
    holder(4, "09:00", None, None, None, "Desk", None),
    holder(4, "09:10", "alice", "Desk", None, "Server", None),
    # 5: never left Triage: not assigned, no route
    holder(5, "09:00", "mail-gateway", None, None, "Triage", None),
]


def test_bounces_are_counted_by_the_route_of_the_first_assignment():
    metrics = compute_metrics(build_views(TICKETS, ROWS, datetime.fromisoformat), intake_groups=frozenset({"Triage"}))
    assert metrics["bounces"]["by_first_route"] == [
        {"first_route": "auto-assign", "tickets": 2, "bounces": 2, "bounces_per_ticket": 1.0, "share_3_plus": 0.0},
        {"first_route": "tina", "tickets": 1, "bounces": 1, "bounces_per_ticket": 1.0, "share_3_plus": 0.0},
        {"first_route": "unknown", "tickets": 1, "bounces": 1, "bounces_per_ticket": 1.0, "share_3_plus": 0.0},
    ]
    assert tables(metrics)["bounces_by_first_route"] == metrics["bounces"]["by_first_route"], "CSV and HTML"
    assert "  first routes whose tickets bounce most: auto-assign (2), tina (1), unknown (1)" in summary_lines(metrics)
