"""ICS feeds of absences, per person or per group (people.NAME.away_feed, groups.NAME.away_feed): read every
rules.availability.feed_refresh_minutes by the service. A feed that fails to load or parse is a warning naming it
(never its URL's query, which may hold a token) and its last good copy is kept, so a calendar server's bad hour
does not bring everyone back from leave."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from baton_itsm.core.away.ics import Person, read_periods
from baton_itsm.core.rules.availability import AwayPeriod

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20
MAX_BYTES = 5_000_000  # an absence calendar is small; a bigger answer is not one
HORIZON_BACK, HORIZON_AHEAD = timedelta(days=31), timedelta(days=400)  # the occurrences of recurring events kept


@dataclass(frozen=True)
class FeedSpec:
    name: str  # feed:NAME in the ledger: the person's or the group's name
    location: str  # an http(s) URL or a file path
    person: str | None = None  # a person's own feed: every event is theirs
    people: tuple[Person, ...] = ()  # a group's feed: its members, whom events name


@dataclass
class FeedState:
    periods: tuple[AwayPeriod, ...] = ()
    loaded_at: datetime | None = None
    error: str | None = None


def where(location: str) -> str:
    """A feed's location as logs may show it: no query string or credentials."""
    parts = urlsplit(location)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return location


def scrubbed(text: str, location: str) -> str:
    """`text` (an error message) without the feed URL's query or password, however the message quotes the URL."""
    parts = urlsplit(location)
    text = text.replace(location, where(location))
    for secret in (parts.query, parts.password):
        if secret:
            text = text.replace(secret, "***")
    return text


def fetch(location: str) -> bytes:
    if urlsplit(location).scheme in ("http", "https"):
        import requests  # here: every command builds the app, few fetch a feed (0.07 s of each start-up)

        response = requests.get(location, timeout=TIMEOUT_SECONDS, stream=True, headers={"Accept": "text/calendar"})
        response.raise_for_status()
        body = response.raw.read(MAX_BYTES + 1, decode_content=True)
        if len(body) > MAX_BYTES:
            raise ValueError(f"more than {MAX_BYTES} bytes")
        return body
    return Path(location).expanduser().read_bytes()


@dataclass
class AwayFeeds:
    specs: list[FeedSpec]
    zone: tzinfo = UTC
    refresh: timedelta = timedelta(minutes=15)
    states: dict[str, FeedState] = field(default_factory=dict)
    _due: datetime | None = None

    def periods(self, now: datetime) -> tuple[AwayPeriod, ...]:
        """The last good copy of every feed (reading them is the service's worker's job, not a decision's)."""
        return tuple(p for state in self.states.values() for p in state.periods if p.end > now)

    def refresh_if_due(self, now: datetime) -> int:
        if self._due is not None and now < self._due:
            return 0
        self._due = now + self.refresh
        return self.read_all(now)

    def read_all(self, now: datetime) -> int:
        """Read every feed; returns how many loaded."""
        return sum(self.read(spec, now) for spec in self.specs)

    def read(self, spec: FeedSpec, now: datetime) -> bool:
        state = self.states.setdefault(spec.name, FeedState())
        try:
            text = fetch(spec.location)
            periods = read_periods(
                text,
                source=f"feed:{spec.name}",
                zone=self.zone,
                start=now - HORIZON_BACK,
                end=now + HORIZON_AHEAD,
                person=spec.person,
                people={p.name: p for p in spec.people},
            )
        except Exception as error:  # noqa: BLE001 - any failure keeps the last good copy and says so
            state.error = scrubbed(f"{type(error).__name__}: {error}", spec.location)
            kept = (
                f"keeping the copy read {state.loaded_at:%Y-%m-%d %H:%M} UTC ({len(state.periods)} periods)"
                if state.loaded_at
                else "no copy was ever read: nobody is away by it yet"
            )
            log.warning(
                "away feed of %s (%s) failed to load: %s; %s", spec.name, where(spec.location), state.error, kept
            )
            return False
        state.periods, state.loaded_at, state.error = tuple(periods), now, None
        return True
