"""Availability settings: away periods and deputies in the deployment file, ICS feeds, capacity."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, overload
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, model_validator

from baton_itsm.core.settings.base import Name, Strict


def as_moment(value: date | datetime, zone: tzinfo = UTC, *, end: bool = False) -> datetime:
    """A date is a whole day in `zone`: as a start, its midnight; as an end, the next midnight (it is inclusive)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def deployment_zone(config) -> tzinfo:
    """Whole days (away dates, all-day events) are days in the default calendar's zone; UTC without one."""
    return ZoneInfo(config.calendars[config.default_calendar].timezone) if config.default_calendar else UTC


@overload
def day_or_moment(value: str | date | datetime) -> date | datetime: ...
@overload
def day_or_moment(value: object) -> object: ...
def day_or_moment(value: object) -> object:
    """A bare date is a whole day; text with a time is a moment, which must say its time zone."""
    if isinstance(value, str) and len(value.strip()) == 10:
        return date.fromisoformat(value.strip())
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone: write 2026-12-24T09:00:00Z or add +01:00")
        return moment
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no time zone: write 2026-12-24T09:00:00Z or add +01:00")
    return value


DayOrMoment = Annotated[date | datetime, BeforeValidator(day_or_moment)]


class AwayConfig(Strict):
    model_config = {**Strict.model_config, "serialize_by_alias": True}  # dumped as written: `from`, not `start`

    start: DayOrMoment = Field(alias="from")  # first day away (a date), or the moment leaving (with a zone)
    until: DayOrMoment  # last day away (a date, inclusive), or the moment back (with a zone)
    deputy: Name | None = None  # who takes requests meanwhile; default the person's `deputy`
    note: str = ""  # why, in the reroute's note and email, e.g. "training"

    @model_validator(mode="after")
    def ordered(self) -> AwayConfig:
        if as_moment(self.until, end=True) <= as_moment(self.start):
            raise ValueError("`until` must not come before `from`")
        return self


class AvailabilityConfig(Strict):
    """rules.availability: what away periods, deputies and capacity do to requests and stale tickets."""

    enabled: bool = True  # false: away periods and capacity reroute nothing
    escalate_stale_when_away: bool = True  # an away holder's stale ticket escalates at its first reminder
    return_digest: bool = True  # a person back from leave gets one email of what changed while away
    default_capacity: int | None = Field(None, ge=1)  # open tickets a person may hold (people.NAME.capacity wins)
    feed_refresh_minutes: float = Field(15, gt=0)  # ICS feeds are read again this often; a failed read keeps the last
