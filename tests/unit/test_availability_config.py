"""Away periods, deputies and capacity in the deployment file: what they mean, and the clear errors of bad ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton_itsm.core.errors import BatonError
from baton_itsm.core.rules.build import build_policy
from baton_itsm.core.settings.loader import parse_config

DEPLOYMENT = """\
groups:
  Network: {members: [carol, frank], managers: [erin]}
calendars:
  paris: {timezone: Europe/Paris}
default_calendar: paris
people:
  carol:
    deputy: frank
    capacity: 8
    away:
      - {from: 2026-12-24, until: 2026-12-26, note: holidays}
      - {from: "2026-03-06T18:00:00Z", until: "2026-03-09T08:00:00+01:00", deputy: erin}
rules:
  availability: {default_capacity: 20, escalate_stale_when_away: false}
"""


def test_the_deployment_file_s_away_periods_deputies_and_capacity():
    availability = build_policy(parse_config(DEPLOYMENT, "baton.yaml")).availability
    holidays, weekend = availability.periods
    # whole days are read in the default calendar's zone (Paris, UTC+1 in winter); `until` is the last day away
    assert (holidays.start, holidays.end) == (
        datetime(2026, 12, 23, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 26, 23, 0, tzinfo=UTC),
    )
    assert (holidays.deputy, holidays.note) == (None, "holidays")
    assert (weekend.start, weekend.end, weekend.deputy) == (
        datetime(2026, 3, 6, 18, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
        "erin",
    )
    assert availability.deputies == {"carol": "frank"}
    assert availability.capacity_of("carol") == 8 and availability.capacity_of("frank") == 20
    assert not availability.escalate_stale and availability.enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("people: {carol: {away: [{from: 2026-12-24, until: 2026-12-20}]}}", "`until` must not come before `from`"),
        ("people: {carol: {away: [{from: '2026-12-24T09:00', until: 2026-12-26}]}}", "has no time zone"),
        ("people: {carol: {away: [{until: 2026-12-26}]}}", "from"),
        ("people: {carol: {deputy: fraank}}", "unknown deputy 'fraank'"),
        ("people: {carol: {away: [{from: 2026-12-24, until: 2026-12-26, deputy: nobody}]}}", "unknown deputy 'nobody'"),
        ("people: {carol: {capacity: 0}}", "people.carol.capacity: input should be greater than or equal to 1, got 0"),
        (
            "rules: {availability: {default_capacity: -1}}",
            "default_capacity: input should be greater than or equal to 1",
        ),
    ],
)
def test_a_bad_away_setting_is_a_clear_error(text, message):
    with pytest.raises(BatonError) as error:
        parse_config(text, "baton.yaml")
    assert message in str(error.value)
