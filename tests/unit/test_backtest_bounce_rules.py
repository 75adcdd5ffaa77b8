"""The back-test counts the ping-pong and bounce-limit rules, and the history's bounces by first route, on a tiny
history whose answers are worked out by hand."""

from __future__ import annotations

from pathlib import Path

from baton_itsm.core.backtest.run import backtest, outcome_lines
from baton_itsm.core.rules.build import build_policy
from baton_itsm.core.settings.loader import load_rules_file
from baton_itsm.core.settings.models import BatonConfig
from tests.unit.test_backtest import HEADER, row

RULES = """
accept_before_reassign: {mode: flag}
stale: {default: {remind_after: null, escalate_after: null}}
bounce_limits: {default: {bounces: 3, return_within: 4h}}
"""
ROUTER, AGENT = "Updated by 7", "Updated by 8"
ROWS = [
    # A -> B -> A in 40 minutes: a ping-pong
    row("INC1", 0, "1/3/2016 09:00", "New", "Group A", "?", by=ROUTER),
    row("INC1", 1, "1/3/2016 09:10", "Active", "Group A", "Resolver 1"),  # taken from A's queue: no bounce
    row("INC1", 2, "1/3/2016 09:20", "Active", "Group B", "?"),
    row("INC1", 3, "1/3/2016 10:00", "Active", "Group A", "?"),
    # A -> B -> C -> D: the third bounce
    row("INC2", 0, "1/3/2016 09:00", "New", "Group A", "?", by=AGENT),
    row("INC2", 1, "1/3/2016 09:10", "Active", "Group B", "?"),
    row("INC2", 2, "1/3/2016 09:20", "Active", "Group C", "?"),
    row("INC2", 3, "1/3/2016 09:30", "Active", "Group D", "?"),
    # A -> B -> A six hours later: outside the window, and two bounces only
    row("INC3", 0, "1/3/2016 09:00", "New", "Group A", "?", by=ROUTER),
    row("INC3", 1, "1/3/2016 09:00", "Active", "Group B", "?"),
    row("INC3", 2, "1/3/2016 15:00", "Active", "Group A", "?"),
]


def test_the_backtest_counts_each_bounce_rule_and_the_bounces_by_first_route(tmp_path: Path):
    history, rules = tmp_path / "history.csv", tmp_path / "rules.yaml"
    history.write_text("\n".join([HEADER, *ROWS]) + "\n")
    rules.write_text(RULES)
    result = backtest(build_policy(load_rules_file(rules, BatonConfig())), history)
    assert (result["ping_pong_escalations"], result["bounce_limit_escalations"]) == (1, 1)
    assert result["bounces_by_first_route"] == [
        {"first_route": ROUTER, "tickets": 2, "bounces_in_history": 4, "tickets_escalated": 1},
        {"first_route": AGENT, "tickets": 1, "bounces_in_history": 3, "tickets_escalated": 1},
    ]
    lines = outcome_lines(result)
    assert "  ping-pong escalations 1, bounce-limit escalations 1" in lines
    assert f"    {ROUTER}: 2 tickets, 4 bounces, 1 escalated" in lines
