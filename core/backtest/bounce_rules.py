"""The back-test's figures for the ping-pong and bounce-limit rules, and the history's bounces by first route.

Kept apart from the other figures of core/backtest/run.py: the tally's rule outcomes say how often each rule
fired; the routes are the first assignment's maker as the history tells it (its sys_updated_by for a ServiceNow
log), with the bounces the history itself had and how many of those tickets the rules escalated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from baton_itsm.core.domain.ticket import Ticket

TOP_ROUTES = 10  # routes in the text output (the JSON has TOP_ROUTES_JSON)
TOP_ROUTES_JSON = 100


@dataclass
class RouteTally:
    """Per first route: tickets, the history's bounces, tickets the bounce rules escalated."""

    tickets: dict[str, list[int]] = field(default_factory=dict)

    def add(self, history: Ticket, ledger: Ticket) -> None:
        if history.first_route is None:
            return  # never assigned
        row = self.tickets.setdefault(history.first_route, [0, 0, 0])
        row[0] += 1
        row[1] += history.bounces
        row[2] += ledger.bounce_rule_fired is not None

    def rows(self) -> list[dict]:
        rows: list[dict[str, Any]] = [
            {"first_route": route, "tickets": t, "bounces_in_history": b, "tickets_escalated": e}
            for route, (t, b, e) in self.tickets.items()
        ]
        return sorted(rows, key=lambda r: (-r["bounces_in_history"], r["first_route"]))[:TOP_ROUTES_JSON]


def bounce_rule_outcome(rule_outcomes, routes: RouteTally) -> dict:
    return {
        "ping_pong_escalations": rule_outcomes["ping-pong: escalated"],
        "bounce_limit_escalations": rule_outcomes["bounce-limit: escalated"],
        "bounces_by_first_route": routes.rows(),
    }


def bounce_rule_lines(result: dict) -> list[str]:
    lines = [
        f"  ping-pong escalations {result['ping_pong_escalations']:,}, bounce-limit escalations "
        f"{result['bounce_limit_escalations']:,}"
    ]
    routes = result["bounces_by_first_route"][:TOP_ROUTES]
    if routes:
        lines.append("  bounces by first route (the history's; tickets escalated by these rules):")
        lines += [
            f"    {r['first_route']}: {r['tickets']:,} tickets, {r['bounces_in_history']:,} bounces, "
            f"{r['tickets_escalated']:,} escalated"
            for r in routes
        ]
    return lines
