"""Declines counted by the desk's reason code, per receiving group and per period the ticket was opened in,
in the report's data (JSON), its tables (CSV, HTML) and its summary lines."""

from __future__ import annotations

import json
from datetime import datetime

from baton_itsm.core.metrics.summary import compute_metrics, summary_lines, tables
from baton_itsm.core.metrics.views import build_views
from tests.unit.test_metrics import at, holder

TICKETS = [(n, "t", f"T{n}", None, None, "Active") for n in (1, 2, 3)]


def declined(ticket, handoff, to_group, reason, code=None):
    data = json.dumps({"reason_code": code} if code else {})
    return [
        (ticket, "requested", at("10:00"), "alice", handoff, "Desk", "alice", to_group, None, "reassign", "x", "{}"),
        (ticket, "declined", at("10:30"), "carol", handoff, None, None, None, None, None, reason, data),
    ]


def opened(ticket, when):
    return (
        ticket,
        "history",
        at("23:00"),
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
                "source_event_id": f"s{ticket}",
                "opened_at": when,
                "resolved_at": None,
                "reopen_count": 0,
                "tool_reassignments": 0,
                "derived_reassignments": 0,
                "updates": 1,
            }
        ),
    )


ROWS = [
    holder(1, "09:00", "x", None, None, "Desk", "alice"),
    opened(1, "2026-03-02 08:00:00"),
    *declined(1, "h1", "Network", "not a network fault: cabling", "not-network"),
    *declined(1, "h2", "Network", "not a network fault", "not-network"),
    holder(2, "09:00", "x", None, None, "Desk", "alice"),
    opened(2, "2026-04-01 08:00:00"),
    *declined(2, "h3", "Server", "not a network fault", "not-network"),
    *declined(2, "h4", "Server", "ask the vendor"),
    holder(3, "09:00", "x", None, None, "Desk", "alice"),
    opened(3, "2026-04-02 08:00:00"),
    *declined(3, "h5", "Network", "the ticket lacks what we need to start", "needs-info"),
]


def test_declines_are_counted_per_code_group_and_period():
    metrics = compute_metrics(build_views(TICKETS, ROWS, datetime.fromisoformat))
    assert metrics["declines_by_code"] == [
        {"code": "(free text)", "group": "Server", "period": "2026-04", "count": 1},
        {"code": "needs-info", "group": "Network", "period": "2026-04", "count": 1},
        {"code": "not-network", "group": "Network", "period": "2026-03", "count": 2},
        {"code": "not-network", "group": "Server", "period": "2026-04", "count": 1},
    ]
    assert tables(metrics)["declines_by_code"] == metrics["declines_by_code"], "a CSV file and an HTML table"
    assert "declines by reason code: not-network: 3, (free text): 1, needs-info: 1" in summary_lines(metrics)
