"""When the requester may expect news: the tool's SLA when the notice has it, else the group's target."""

from __future__ import annotations

from datetime import UTC, datetime

from baton_itsm.core.notify.eta import estimate_eta
from baton_itsm.core.rules.calendar import BusinessCalendar
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy, StaleRule

MONDAY_16 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
OFFICE = BusinessCalendar(week={d: ((9 * 60, 17 * 60),) for d in range(5)})


def test_the_tools_sla_wins():
    eta = estimate_eta(
        {"sla_due": "2026-03-03T12:00:00+00:00", "at": MONDAY_16.isoformat(), "holder": "Network"},
        TicketFacts(),
        Policy(),
    )
    assert (eta.at, eta.source) == (datetime(2026, 3, 3, 12, tzinfo=UTC), "sla")


def test_otherwise_the_groups_staleness_target_in_business_hours():
    policy = Policy(stale_rules=(StaleRule(240.0, 480.0),), calendars={"Network": OFFICE})
    eta = estimate_eta({"at": MONDAY_16.isoformat(), "holder": "Network/carol"}, TicketFacts(), policy)
    assert (eta.at, eta.source) == (datetime(2026, 3, 3, 12, tzinfo=UTC), "target")  # 1 h Monday, 3 h Tuesday


def test_no_target_no_promise():
    policy = Policy(stale_rules=(StaleRule(None, None),))
    assert estimate_eta({"at": MONDAY_16.isoformat(), "holder": "Network"}, TicketFacts(), policy) is None
    assert estimate_eta({"sla_due": "tomorrow", "holder": "Network"}, TicketFacts(), policy) is None
