"""The back-test's SLA counts on tiny histories worked out by hand: only what made_sla lets anyone count."""

from __future__ import annotations

import pytest

from baton_itsm.core.backtest.run import backtest, outcome_lines
from baton_itsm.core.backtest.sla import NOT_COUNTABLE
from baton_itsm.core.rules.build import build_policy
from baton_itsm.core.settings.loader import load_rules_file
from baton_itsm.core.settings.models import BatonConfig
from tests.unit.test_backtest import HEADER

RULES = """
stale: {default: {remind_after: null, escalate_after: null}}
sla: {steps: [{at: 50, do: remind}, {at: 75, do: escalate}, {at: 100, do: escalate}]}
"""


def row(number: str, mod: int, at: str, state: str, made_sla: str) -> str:
    values = dict.fromkeys(HEADER.split(","), "?")
    values.update(
        number=number,
        incident_state=state,
        active="true",
        reassignment_count="0",
        reopen_count="0",
        sys_mod_count=str(mod),
        opened_at="1/3/2016 09:00",
        sys_updated_by="Updated by 7",
        sys_updated_at=at,
        assignment_group="Group A",
        assigned_to="Resolver 1",
        made_sla=made_sla,
        priority="3 - Moderate",
        category="Category 1",
    )
    return ",".join(values.values())


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("made: the SLA was never missed", {"sla_missed": 0, "miss_seen_while_open": 0, "at_resolution": 0}),
        ("missed while open: the breach step fires", {"sla_missed": 1, "miss_seen_while_open": 1, "at_resolution": 0}),
        (
            "missed, first seen when resolved: cannot tell",
            {"sla_missed": 1, "miss_seen_while_open": 0, "at_resolution": 1},
        ),
    ],
)
def test_what_made_sla_lets_the_back_test_count(tmp_path, rows, expected):
    flags = {
        "made": ("true", "true", "true"),
        "missed while open": ("true", "false", "false"),
        "missed, first seen when resolved": ("true", "true", "false"),
    }[rows.split(":")[0]]
    history = tmp_path / "history.csv"
    history.write_text(
        "\n".join(
            [
                HEADER,
                row("INC1", 0, "1/3/2016 09:00", "New", flags[0]),
                row("INC1", 1, "1/3/2016 12:00", "Active", flags[1]),
                row("INC1", 2, "2/3/2016 12:00", "Resolved", flags[2]),
            ]
        )
        + "\n"
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    sla = backtest(build_policy(load_rules_file(rules, BatonConfig())), history)["sla"]
    assert (sla["sla_missed"], sla["miss_seen_while_open"], sla["miss_first_seen_at_resolution"]) == (
        expected["sla_missed"],
        expected["miss_seen_while_open"],
        expected["at_resolution"],
    ), rows
    assert sla["steps"] == {
        "50 % remind": NOT_COUNTABLE,
        "75 % escalate": NOT_COUNTABLE,
        "100 % escalate": expected["miss_seen_while_open"],
    }


def test_the_lines_say_what_cannot_be_counted():
    lines = outcome_lines(
        {
            "history": "h",
            "tickets": 1,
            "updates": 2,
            "pushes_reverted": 0,
            "pushes_held": 0,
            "pushes_flagged": 0,
            "requests_raised": 0,
            "escalations_fired": 0,
            "reminders_sent": 0,
            "tickets_routed_by_category": 0,
            "emails_sent": 0,
            "emails_by_template": {},
            "bounce_mean_in_history": 0,
            "bounce_mean_with_requests_accepted": 0,
            "ping_pong_escalations": 0,
            "bounce_limit_escalations": 0,
            "bounces_by_first_route": [],
            "sla": {
                "tickets_with_made_sla": 3,
                "sla_missed": 2,
                "miss_seen_while_open": 1,
                "miss_first_seen_at_resolution": 1,
                "steps": {"50 % remind": NOT_COUNTABLE, "100 % escalate": 1},
            },
        }
    )
    assert "  SLA step 50 % remind: " + NOT_COUNTABLE in lines
    assert (
        "  SLA step 100 % escalate: would have fired on 1 tickets (at the latest at the update that shows the "
        "miss)" in lines
    )
