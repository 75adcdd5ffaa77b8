"""Away periods read from iCalendar feeds: all-day dates, UTC and TZID times, a weekly recurrence with an exception;
free and cancelled events are not absences; a group's calendar names its person by SUMMARY or ATTENDEE."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from baton_itsm.core.away.ics import FeedError, Person, read_periods

FEEDS = Path(__file__).parents[1] / "fixtures" / "ics"
PARIS = ZoneInfo("Europe/Paris")
HORIZON = {"start": datetime(2026, 1, 1, tzinfo=UTC), "end": datetime(2027, 6, 1, tzinfo=UTC)}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_person_s_own_calendar():
    periods = read_periods(
        (FEEDS / "carol-google.ics").read_bytes(), source="feed:carol", zone=PARIS, person="carol", **HORIZON
    )
    spans = sorted((p.start, p.end) for p in periods)
    assert spans == [
        # Fridays 13:00-17:00 Berlin (UTC+1), weekly, four times, 13 March excepted (EXDATE)
        (utc(2026, 3, 6, 12), utc(2026, 3, 6, 16)),
        # a TZID weekend: Friday 18:00 to Monday 08:00 Berlin time
        (utc(2026, 3, 6, 17), utc(2026, 3, 9, 7)),
        (utc(2026, 3, 20, 12), utc(2026, 3, 20, 16)),
        (utc(2026, 3, 27, 12), utc(2026, 3, 27, 16)),
        # all-day 24-27 December (DTEND is exclusive), whole days in the deployment's zone (Paris)
        (utc(2026, 12, 23, 23), utc(2026, 12, 27, 23)),
    ]
    assert {p.person for p in periods} == {"carol"} and {p.source for p in periods} == {"feed:carol"}
    assert all(p.note == "" for p in periods), "a private calendar's titles are not copied into tickets"


def test_the_horizon_keeps_only_what_overlaps_it():
    periods = read_periods(
        (FEEDS / "carol-google.ics").read_bytes(),
        source="feed:carol",
        zone=PARIS,
        person="carol",
        start=utc(2026, 3, 19),
        end=utc(2026, 3, 21),
    )
    assert [(p.start, p.end) for p in periods] == [(utc(2026, 3, 20, 12), utc(2026, 3, 20, 16))]


def test_a_group_calendar_names_each_event_s_person():
    people = {
        "carol": Person("carol", "Carol Agent", "carol@example.com"),
        "frank": Person("frank", None, "frank@example.com"),
    }
    periods = read_periods(
        (FEEDS / "network-absences.ics").read_bytes(), source="feed:Network", zone=UTC, people=people, **HORIZON
    )
    assert sorted((p.person, p.start, p.end) for p in periods) == [
        ("carol", utc(2026, 3, 9), utc(2026, 3, 11)),  # by the display name at the start of SUMMARY
        ("frank", utc(2026, 3, 9, 8), utc(2026, 3, 9, 12)),  # by ATTENDEE email
    ], "Caroline (contractor) is nobody of the group: a name matches as a whole word only"


@pytest.mark.parametrize("text", [b"", b"not a calendar", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"])
def test_what_is_not_icalendar_is_a_clear_error(text):
    with pytest.raises(FeedError, match="not an iCalendar feed"):
        read_periods(text, source="feed:carol", zone=UTC, person="carol", **HORIZON)
