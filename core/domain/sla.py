"""A ticket's service level as its tool tracks it (ServiceNow task_sla, Jira Service Management SLA fields).

The tool states how much of the goal was used when it last measured (`elapsed_minutes` of `goal_minutes`, in the
SLA's own business schedule) and when it breaches. Baton does not re-derive the SLA: it carries the tool's
measure forward in business minutes to find the moment a share of the goal is used.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol


class BusinessClock(Protocol):
    """What the SLA needs of a business calendar (core/rules/calendar.py)."""

    def add(self, start: datetime, minutes: float) -> datetime: ...

    def minutes_between(self, start: datetime, end: datetime) -> float: ...


class MalformedSla(ValueError):
    """The SLA text a connector passed cannot be read."""


@dataclass(frozen=True)
class Sla:
    name: str  # the tool's name for it ("Priority 1 resolution (1 hour)", "Time to resolution")
    cycle: str  # one run of the clock (task_sla sys_id, a JSM cycle's start): a new cycle starts the shares again
    read_at: datetime  # when the tool measured `elapsed_minutes`
    elapsed_minutes: float  # business minutes of the goal used at `read_at`
    goal_minutes: float  # business minutes the goal allows (> 0)
    breach_at: datetime | None = None  # the tool's breach time (planned end), when it states one
    paused: bool = False  # the tool's clock is stopped (pending on the customer, on hold)
    breached: bool = False  # the tool says the goal is already missed

    def share_used(self, now: datetime, calendar: BusinessClock) -> float:
        """The share of the goal used at `now` (1.0 is the breach): a paused clock does not move."""
        used = self.elapsed_minutes
        if not self.paused and now > self.read_at:
            used += calendar.minutes_between(self.read_at, now)
        share = used / self.goal_minutes
        return max(share, 1.0) if self.breached else share

    def reaches(self, share: float, calendar: BusinessClock) -> datetime | None:
        """When `share` of the goal is used: None while paused (it never comes until the clock runs again).

        A share already used is reached at `read_at`. The whole goal is reached at the tool's own breach time
        where it states one, so Baton's 100 % and the tool's breach agree even where calendars differ."""
        if self.paused:
            return None
        missing = share * self.goal_minutes - self.elapsed_minutes
        if missing <= 0 or self.breached:
            return self.read_at
        if share >= 1.0 and self.breach_at is not None:
            return self.breach_at
        return calendar.add(self.read_at, missing)

    @property
    def running(self) -> bool:
        """Still a promise the requester can be given: not paused, not breached."""
        return not (self.paused or self.breached)

    def to_text(self) -> str:
        """How connectors pass it in an event's fields (text values), and timers keep it."""
        values = asdict(self)
        values["read_at"] = self.read_at.isoformat()
        values["breach_at"] = self.breach_at.isoformat() if self.breach_at else None
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> Sla:
        try:
            values = json.loads(text)
            sla = cls(
                name=str(values["name"]),
                cycle=str(values["cycle"]),
                read_at=_aware(values["read_at"]),
                elapsed_minutes=float(values["elapsed_minutes"]),
                goal_minutes=float(values["goal_minutes"]),
                breach_at=_aware(values["breach_at"]) if values.get("breach_at") else None,
                paused=bool(values.get("paused")),
                breached=bool(values.get("breached")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise MalformedSla(f"not an SLA: {text[:120]!r} ({error})") from None
        if sla.goal_minutes <= 0:
            raise MalformedSla(f"an SLA without a goal: {text[:120]!r}")
        return sla


def first_due(slas: list[Sla]) -> Sla | None:
    """The SLA a ticket answers to when the tool tracks several: the running one that breaches first; else a paused
    or breached one (so the rules know to wait, or that it is missed)."""
    far = datetime.max.replace(tzinfo=UTC)
    return min(slas, key=lambda s: (not s.running, s.breach_at or far), default=None)


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"a time without a zone: {text}")
    return value
