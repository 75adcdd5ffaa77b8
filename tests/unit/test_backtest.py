"""A back-test on a tiny history whose answers are worked out by hand."""

from __future__ import annotations

from pathlib import Path

from baton_itsm.core.backtest.run import backtest, outcome_lines
from baton_itsm.core.rules.build import build_policy
from baton_itsm.core.settings.loader import load_rules_file, parse_config
from baton_itsm.core.settings.models import BatonConfig
from tests.reference import SERVICENOW_FIXTURES

HEADER = (SERVICENOW_FIXTURES / "small_log.csv").read_text().splitlines()[0]
RULES = """
accept_before_reassign: {mode: revert}
acceptance_timeout: {after: 1h}
stale: {default: {remind_after: 10h, escalate_after: 11h}}
"""


def row(number: str, mod: int, at: str, state: str, group: str, person: str, by: str = "Updated by 7") -> str:
    values = dict.fromkeys(HEADER.split(","), "?")
    values.update(
        number=number,
        incident_state=state,
        active="true",
        reassignment_count="0",
        reopen_count="0",
        sys_mod_count=str(mod),
        opened_at="1/3/2016 09:00",
        sys_updated_by=by,
        sys_updated_at=at,
        assignment_group=group,
        assigned_to=person,
        priority="3 - Moderate",
        category="Category 1",
    )
    return ",".join(values.values())


def run(tmp_path: Path, rows: list[str]) -> dict:
    history = tmp_path / "history.csv"
    history.write_text("\n".join([HEADER, *rows]) + "\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    return backtest(build_policy(load_rules_file(rules, BatonConfig())), history)


def test_a_push_is_reverted_turned_into_a_request_and_announced(tmp_path):
    result = run(
        tmp_path,
        [
            row("INC1", 0, "1/3/2016 09:00", "New", "Group A", "?"),
            row("INC1", 1, "1/3/2016 09:10", "Active", "Group A", "Resolver 1"),  # taken from A's queue: a pull
            row("INC1", 2, "1/3/2016 09:20", "Active", "Group B", "Resolver 2"),  # pushed across groups
            row("INC1", 3, "1/3/2016 09:30", "Resolved", "Group B", "Resolver 2"),
        ],
    )
    assert (result["pushes_reverted"], result["pushes_held"], result["pushes_flagged"]) == (1, 0, 0)
    assert result["requests_raised"] == 1 and result["requests_by_origin"] == {"a person": 1}
    assert result["tool_actions"] == {"set-holder": 1, "add-note": 1}  # put it back, and say why in the ticket
    # first seen, the pull, and the request's acceptance each tell the requester; the request tells group B
    assert result["emails_by_template"] == {"status-update": 3, "handoff-request": 1}
    assert result["escalations_fired"] == 0 and result["reminders_sent"] == 0
    assert result["bounce_mean_in_history"] == result["bounce_mean_with_requests_accepted"] == 1.0


def test_a_stale_ticket_is_reminded_then_escalated_by_the_timers(tmp_path):
    result = run(
        tmp_path,
        [
            row("INC9", 0, "1/3/2016 09:00", "Active", "Group C", "Resolver 3"),
            row("INC9", 1, "1/3/2016 21:00", "Active", "Group C", "Resolver 3"),  # 12 h without an update before
        ],
    )
    # remind at 19:00 (10 h), escalate at 20:00 (11 h); the update at 21:00 restarts the clock, and the
    # history ends there, so nothing more fires.
    assert result["reminders_sent"] == 1 and result["escalations_fired"] == 1 and result["timers_fired"] == 2
    assert result["emails_by_template"] == {"status-update": 1, "stale-reminder": 1, "stale-escalation": 1}
    assert result["pushes_reverted"] == 0 and result["requests_raised"] == 0


AVAILABILITY = """\
people:
  Resolver 1: {capacity: 1}
  Resolver 3: {}
  Resolver 2:
    deputy: Resolver 3
    away: [{from: 2016-04-01, until: 2016-04-01}]  # the log writes days first: 1/4/2016 is 1 April
"""


def test_the_availability_rules_counted_on_the_history(tmp_path):
    """Capacity from the open tickets each person held along the log; away reroutes for the deployment's periods."""
    history = tmp_path / "history.csv"
    history.write_text(
        "\n".join(
            [
                HEADER,
                *[
                    row(
                        "INC1", 0, "1/3/2016 09:00", "Active", "Group A", "Resolver 1"
                    ),  # Resolver 1 holds 1: at capacity
                    row("INC2", 0, "1/3/2016 09:20", "Active", "Group A", "Resolver 1"),  # would have gone to the queue
                    row("INC1", 1, "1/3/2016 09:30", "Resolved", "Group A", "Resolver 1"),  # ...he holds INC2 still
                    row("INC3", 0, "1/3/2016 10:00", "Active", "Group A", "Resolver 1"),  # to the queue again
                    row("INC4", 0, "1/4/2016 10:00", "Active", "Group B", "Resolver 3"),
                    row("INC5", 0, "1/4/2016 11:00", "Active", "Group B", "Resolver 2"),  # away all day: to his deputy
                    row("INC6", 0, "1/5/2016 09:00", "Active", "Group B", "Resolver 2"),  # back: to him
                ],
            ]
        )
        + "\n"
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    deployment = parse_config(AVAILABILITY, "baton.yaml")
    result = backtest(build_policy(load_rules_file(rules, deployment)), history)
    assert (
        result["capacity_reroutes"],
        result["away_reroutes"],
        result["away_to_deputy"],
        result["away_to_queue"],
    ) == (2, 1, 1, 0)
    # INC5 sat with Resolver 2 while he was away: its first reminder (10 h, at 21:00) escalated it instead
    assert result["away_stale_escalations"] == 1
    assert (
        "availability: 1 assignments to people away rerouted (1 to deputies, 0 to queues), 2 to people at "
        "capacity sent to the queue, 1 stale tickets of away holders escalated" in "\n".join(outcome_lines(result))
    )
