"""A broken rule file gets one clear message per problem, naming the file, the rule and the key."""

from __future__ import annotations

import pytest

from baton_itsm.core.errors import ConfigError
from baton_itsm.core.rules.build import build_policy
from baton_itsm.core.settings.loader import load_config, parse_config

DEPLOYMENT = """\
groups:
  Service Desk: {members: [alice], managers: [dana], escalates_to: Network, calendar: paris}
  Network: {members: [carol], escalates_to: Vendor}
  Vendor: {members: [vic]}
calendars:
  paris: {timezone: Europe/Paris, days: [mon, tue, wed, thu, fri], hours: ["08:00-12:00", "13:00-17:00"],
          holidays: [2026-12-25]}
rules: rules.yaml
"""

BROKEN_RULES = """\
accept_before_reassign:
  mode: revert
  exempt_groups: [Netwrk]
acceptance_timeout:
  after: -30
stale:
  default: {remind_after: 2h, escalate_after: 1d}
category_routing:
  hardware: {group: Desktop}
"""


def write(tmp_path, deployment: str, rules: str):
    (tmp_path / "rules.yaml").write_text(rules)
    path = tmp_path / "baton.yaml"
    path.write_text(deployment)
    return path


def problems(path) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_config(path)
    return error.value.problems


def test_rule_file_mistakes_name_the_rule_file_rule_and_key(tmp_path):
    path = write(tmp_path, DEPLOYMENT, BROKEN_RULES)
    rules = str(tmp_path / "rules.yaml")
    assert problems(path) == [
        f"{rules}:5: acceptance_timeout.after: a duration must be positive, got -30",
        f"{rules}:3: accept_before_reassign.exempt_groups.0: unknown group 'Netwrk' "
        "(known groups: Network, Service Desk, Vendor)",
        f"{rules}:9: category_routing.hardware.group: unknown group 'Desktop' "
        "(known groups: Network, Service Desk, Vendor)",
    ]


def test_an_unknown_time_zone_and_a_looping_path(tmp_path):
    deployment = DEPLOYMENT.replace("Europe/Paris", "Europe/Pariss").replace(
        "Vendor: {members: [vic]}", "Vendor: {members: [vic], escalates_to: Network}"
    )
    path = write(tmp_path, deployment, "{}")
    assert problems(path) == [
        f"{path}:6: calendars.paris.timezone: unknown time zone 'Europe/Pariss' "
        "(use an IANA name such as Europe/Paris)",
        f"{path}:3: groups.Network.escalates_to: the escalation path loops: Network -> Vendor -> Network",
    ]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("stale: {default: {remind_after: '-1h'}}", "stale.default.remind_after: a duration must be positive"),
        ("stale: {default: {remind_after: soon}}", "expected a duration such as 30, '45m', '4h' or '2d'"),
        ("accept_before_reassign: {mode: push}", "expected one of 'revert', 'hold' or 'flag'"),
        ("queue_first: {allow_direct: [{from: Network}]}", "each pair is {from: GROUP, to: GROUP}"),
        (
            "stale: {overrides: [{group: [Nowhere], remind_after: 10}]}",
            "stale.overrides.0.group.0: unknown group 'Nowhere'",
        ),
        (
            "bounce_limits: {default: {bounces: 0}}",
            "bounce_limits.default.bounces: input should be greater than or equal to 1, got 0",
        ),
        ("bounce_limits: {default: {return_within: often}}", "expected a duration such as 30, '45m', '4h' or '2d'"),
        (
            "bounce_limits: {overrides: [{group: [Nowhere], bounces: 2}]}",
            "bounce_limits.overrides.0.group.0: unknown group 'Nowhere'",
        ),
        ("bounce_limits: {default: {bounce: 3}}", "bounce_limits.default.bounce: unknown key"),
    ],
)
def test_each_rule_key_is_checked(tmp_path, rules, message):
    [problem] = problems(write(tmp_path, DEPLOYMENT, rules))
    assert message in problem


def test_a_valid_rule_file_builds_the_policy(tmp_path):
    rules = BROKEN_RULES.replace("[Netwrk]", "[Vendor]").replace("-30", "45m").replace("Desktop", "Network")
    config = load_config(write(tmp_path, DEPLOYMENT, rules))
    policy = build_policy(config)
    assert policy.acceptance_minutes("Network") == 45
    assert policy.stale_rules[-1].remind_after == 120 and policy.stale_rules[-1].escalate_after == 480
    assert policy.escalates_to == {"Service Desk": "Network", "Network": "Vendor"}
    assert policy.lead_of("Service Desk") == "dana"
    calendar = policy.calendar_for("Service Desk")
    assert str(calendar.timezone) == "Europe/Paris"
    assert len(calendar.open_spans(__import__("datetime").date(2026, 12, 24))) == 2
    assert calendar.open_spans(__import__("datetime").date(2026, 12, 25)) == []


def test_holidays_of_a_country_come_from_the_holidays_package():
    config = parse_config(
        "calendars:\n  fr: {timezone: Europe/Paris, holiday_country: FR}\ndefault_calendar: fr\n", "x"
    )
    from datetime import date

    assert build_policy(config).default_calendar.open_spans(date(2026, 7, 14)) == []  # Bastille Day


def test_bounce_limits_build_overrides_first_and_the_default_last(tmp_path):
    rules = (
        "bounce_limits: {default: {bounces: 3, return_within: 1d}, overrides: [{priority: ['1'], bounces: 2}, "
        "{category: [Major], group: [Network]}]}"
    )
    policy = build_policy(load_config(write(tmp_path, DEPLOYMENT, rules)))
    [urgent, major, default] = policy.bounce_limits
    assert (urgent.bounces, urgent.return_within, urgent.priorities) == (2, None, frozenset({"1"}))
    assert (major.bounces, major.return_within, major.groups) == (None, None, frozenset({"Network"})), "exempt"
    assert (default.bounces, default.return_within) == (3, 480.0)
