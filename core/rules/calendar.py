"""Business hours: a time zone, working days and hours, and holidays.

Durations in the rules are business minutes. Work is done in local wall time, day by day, so weekends,
holidays and daylight-saving changes need no special cases: a local 08:00 opening is 08:00 whatever
the UTC offset that day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

Span = tuple[int, int]  # minutes from local midnight: (480, 1080) is 08:00-18:00; 1440 is the end of the day
MAX_DAYS_SEARCHED = 3 * 366
DAYS_KEPT = 4 * 366  # days whose spans a calendar keeps computed: a few hundred KiB at most


class ClosedCalendar(ValueError):
    """The calendar has no open hour in the years searched."""


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    week: Mapping[int, tuple[Span, ...]] = field(default_factory=lambda: {d: ((0, 1440),) for d in range(7)})
    holidays: frozenset[date] = frozenset()

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        return cls()

    def __post_init__(self) -> None:
        # Each timer a rule sets walks a few days of spans: computed once a day, not once per timer.
        object.__setattr__(self, "_spans_of_day", {})

    def open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open spans, as aware UTC datetimes."""
        known: dict[date, list[tuple[datetime, datetime]]] = self._spans_of_day  # type: ignore[attr-defined]
        spans = known.get(day)
        if spans is None:
            if len(known) >= DAYS_KEPT:
                known.clear()
            spans = known[day] = self._compute_spans(day)
        return list(spans)

    def _compute_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.timezone)
        return [
            ((midnight + timedelta(minutes=start)).astimezone(UTC), (midnight + timedelta(minutes=end)).astimezone(UTC))
            for start, end in self.week.get(day.weekday(), ())
        ]

    def is_open(self, at: datetime) -> bool:
        day = at.astimezone(self.timezone).date()
        return any(start <= at < end for start, end in self.open_spans(day))

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when open, else the next moment the desk opens."""
        for start, end in self._spans_from(at):
            if at < end:
                return max(at, start)
        raise ClosedCalendar("the calendar never opens")

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` business minutes after `start`. A timer that would fall due outside hours,
        or exactly at closing time, fires at the next opening, when someone is there to act on it."""
        remaining = timedelta(minutes=minutes)
        for span_start, span_end in self._spans_from(start):
            begin = max(start, span_start)
            if begin >= span_end:
                continue
            if remaining < span_end - begin:
                return begin + remaining
            remaining -= span_end - begin
        raise ClosedCalendar("the calendar never opens")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes from `start` to `end` (0 if end is not after start)."""
        total = timedelta()
        for span_start, span_end in self._spans_from(start):
            if span_start >= end:
                break
            begin, finish = max(start, span_start), min(end, span_end)
            if finish > begin:
                total += finish - begin
        return total.total_seconds() / 60

    def _spans_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = at.astimezone(self.timezone).date() - timedelta(days=1)  # spans may cross midnight in UTC
        for offset in range(MAX_DAYS_SEARCHED):
            yield from self.open_spans(day + timedelta(days=offset))
