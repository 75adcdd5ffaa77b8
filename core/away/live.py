"""What the service's rules engine is told about availability at each decision: the deployment file's periods,
the store's (`baton away`, the API: set by any process) and the ICS feeds' last good copies; capacity counts the
open tickets each person holds in the store, in the deciding transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from baton_itsm.core.away.feeds import AwayFeeds
from baton_itsm.core.rules.availability import Availability, AwayPeriod
from baton_itsm.core.store.away_periods import AwayPeriods


class LiveAvailability:
    def __init__(self, base: Availability, stored: Callable[[], AwayPeriods], feeds: AwayFeeds | None = None):
        """`stored()`: the store's periods (built on first use: a command that decides nothing opens no store)."""
        self.base, self.stored, self.feeds = base, stored, feeds

    def periods(self, now: datetime) -> tuple[AwayPeriod, ...]:
        feeds = self.feeds.periods(now) if self.feeds is not None else ()
        return self.base.periods + self.stored().periods(now) + feeds

    def ended(self, after: datetime, now: datetime) -> tuple[AwayPeriod, ...]:
        """Every source's periods that ended after `after` and by `now`: the returns from leave to tell about."""
        stored = tuple(s.period for s in self.stored().find(ending_after=after))
        feeds = self.feeds.periods(after) if self.feeds is not None else ()
        return tuple(p for p in self.base.periods + stored + feeds if after < p.end <= now)

    def still_away(self, person: str, now: datetime) -> bool:
        return self(now).away(person, now) is not None

    def __call__(self, now: datetime) -> Availability:
        if not self.base.enabled:
            return self.base
        return replace(self.base, periods=self.periods(now), held=self.stored().open_tickets_held)
