"""Away periods read from an iCalendar (RFC 5545) feed: one person's calendar, or a group's absence calendar.

Each VEVENT is a period away: DTSTART to DTEND (or DURATION; a date without an end is that one day). All-day
dates are whole days in the deployment's zone; times are UTC, TZID or, floating, the deployment's zone.
A recurring event (RRULE, minus EXDATE) counts by its occurrences within the horizon. Events marked CANCELLED, or
TRANSPARENT (shown as free time), are not absences. In a group's calendar an event names its person by an
ATTENDEE's email, or by the person's Baton name or display name at the start of its SUMMARY.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from baton_itsm.core.errors import BatonError
from baton_itsm.core.rules.availability import AwayPeriod

MAX_OCCURRENCES = 500  # of one recurring event within the horizon: a daily rule for years is not expanded in full


class FeedError(BatonError):
    """A feed that is not iCalendar."""


@dataclass(frozen=True)
class Person:
    name: str  # the Baton name
    display: str | None = None
    email: str | None = None


def read_periods(
    text: bytes | str,
    *,
    source: str,
    zone: tzinfo,
    start: datetime,
    end: datetime,
    person: str | None = None,
    people: Mapping[str, Person] | None = None,
) -> list[AwayPeriod]:
    """The periods of a feed that overlap [start, end): all of them `person`'s, or each of the person of `people`
    its event names (events naming nobody known are left out)."""
    import icalendar  # here: every command builds the app, few read a feed (0.04 s of each start-up)

    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        raise FeedError(f"not an iCalendar feed: {error}") from None
    periods = []
    for event in calendar.walk("VEVENT"):
        if str(event.get("STATUS", "")).upper() == "CANCELLED" or str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        who = person or _named(event, people or {})
        if who is None or event.get("DTSTART") is None:
            continue
        for begins, ends in _occurrences(event, zone, start, end):
            periods.append(AwayPeriod(who, begins, ends, source=source))
    return periods


def _moment(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def _span(event) -> tuple[date | datetime, timedelta]:
    first = event.get("DTSTART").dt
    if event.get("DTEND") is not None:
        length = event.get("DTEND").dt - first
    elif event.get("DURATION") is not None:
        length = event.get("DURATION").dt
    else:
        length = timedelta(days=1) if not isinstance(first, datetime) else timedelta(0)
    return first, length


def _occurrences(event, zone: tzinfo, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    first, length = _span(event)
    if event.get("RRULE") is None:
        starts = [first]
    else:
        anchor = first if isinstance(first, datetime) else datetime.combine(first, time(0))
        from dateutil.rrule import rrulestr

        rule = rrulestr(event.get("RRULE").to_ical().decode(), dtstart=anchor, forceset=True)
        for excluded in _exdates(event):
            rule.exdate(
                excluded
                if isinstance(first, datetime) or not isinstance(excluded, datetime)
                else excluded.replace(tzinfo=None)
            )
        starts = []
        for occurrence in rule:
            moment = _moment(occurrence if isinstance(first, datetime) else occurrence.date(), zone)
            if moment >= end or len(starts) >= MAX_OCCURRENCES:
                break
            starts.append(occurrence if isinstance(first, datetime) else occurrence.date())
    for begins in starts:
        begin_at = _moment(begins, zone)
        end_at = _moment(begins + length, zone)
        if end_at > begin_at and end_at > start and begin_at < end:
            yield begin_at, end_at


def _exdates(event) -> list:
    values = event.get("EXDATE")
    if values is None:
        return []
    lists = values if isinstance(values, list) else [values]
    out = []
    for entry in lists:
        for item in entry.dts:
            value = item.dt
            out.append(datetime.combine(value, time(0)) if not isinstance(value, datetime) else value)
    return out


def _named(event, people: Mapping[str, Person]) -> str | None:
    attendees = event.get("ATTENDEE")
    for attendee in attendees if isinstance(attendees, list) else [attendees] if attendees else []:
        email = str(attendee).removeprefix("mailto:").removeprefix("MAILTO:").strip().lower()
        for person in people.values():
            if person.email and person.email.lower() == email:
                return person.name
    summary = str(event.get("SUMMARY", "")).strip().lower()
    for person in people.values():
        for label in filter(None, (person.name, person.display)):
            if re.match(rf"{re.escape(label.lower())}\b", summary):
                return person.name
    return None
