"""The handoff policy's settings: rules, calendars and durations (validated at load)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.settings.availability import AvailabilityConfig
from baton_itsm.core.settings.base import Name, Strict

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?|h|hours?|d|days?)?\s*$", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 480}  # a business day is 8 business hours


def parse_minutes(value: object) -> object:
    """30, "30m", "4h", "2d" (business days of 8 hours) -> minutes. Negative or zero is refused."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30, '45m', '4h' or '2d'")
    if isinstance(value, (int, float)):
        minutes = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        minutes = float(match.group(1)) * _UNIT_MINUTES[(match.group(2) or "m")[0].lower()]
    elif isinstance(value, str) and value.strip().startswith("-"):
        raise ValueError("a duration must be positive")
    else:
        raise ValueError("expected a duration such as 30, '45m', '4h' or '2d'")
    if minutes <= 0:
        raise ValueError("a duration must be positive")
    return minutes


BusinessMinutes = Annotated[float, BeforeValidator(parse_minutes)]
DAY_NUMBERS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_span(text: str) -> tuple[int, int]:
    match = _SPAN.match(text.strip())
    if not match:
        raise ValueError(f"expected hours as HH:MM-HH:MM, got {text!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not (0 <= start < end <= 1440) or m1 > 59 or m2 > 59:
        raise ValueError(f"{text!r} is not a span within one day (start before end, at most 24:00)")
    return start, end


class CalendarConfig(Strict):
    timezone: str = "UTC"  # an IANA name such as Europe/Paris
    days: list[str] = ["mon", "tue", "wed", "thu", "fri"]  # working days
    hours: list[str] = ["09:00-17:00"]  # opening hours of a working day, HH:MM-HH:MM spans
    holidays: list[date] = []  # closed dates, besides the country's
    holiday_country: str | None = None  # e.g. FR, US; dates come from the `holidays` package
    holiday_subdivision: str | None = None  # a state or region of holiday_country, e.g. CA

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)") from None
        return name

    @field_validator("days")
    @classmethod
    def known_days(cls, days: list[str]) -> list[str]:
        wrong = [d for d in days if d.lower()[:3] not in DAY_NUMBERS]
        if wrong:
            raise ValueError(f"unknown day(s) {', '.join(map(repr, wrong))}: use mon, tue, wed, thu, fri, sat, sun")
        if not days:
            raise ValueError("a calendar needs at least one working day")
        return days

    @field_validator("hours")
    @classmethod
    def valid_hours(cls, hours: list[str]) -> list[str]:
        spans = sorted(parse_span(h) for h in hours)
        if not spans:
            raise ValueError("a calendar needs opening hours")
        if any(a[1] > b[0] for a, b in pairwise(spans)):
            raise ValueError("opening hours overlap")
        return hours


class AcceptBeforeReassignMode(StrEnum):
    REVERT = "revert"  # put the ticket back, open a request to the would-be receiver, tell them
    HOLD = "hold"  # leave it, open the request, escalate if it is not accepted in time
    FLAG = "flag"  # record it only


class AcceptBeforeReassignConfig(Strict):
    mode: AcceptBeforeReassignMode = AcceptBeforeReassignMode.REVERT  # what a push no handoff covers gets
    per_group: dict[Name, AcceptBeforeReassignMode] = {}  # receiving group: its own mode
    exempt_groups: list[Name] = []  # pushes into these groups are not governed
    triage_groups: list[Name] = []  # the first assignment out of these is not a push


class QueueFirstConfig(Strict):
    enabled: bool = True  # a cross-group request for a person goes to the person's group queue
    # Pairs of groups between which a handoff may go straight to a named person.
    allow_direct: list[dict[str, Name]] = []

    @field_validator("allow_direct")
    @classmethod
    def pairs(cls, pairs: list[dict[str, str]]) -> list[dict[str, str]]:
        for pair in pairs:
            if set(pair) != {"from", "to"}:
                raise ValueError("each pair is {from: GROUP, to: GROUP}")
        return pairs


class AcceptanceTimeoutConfig(Strict):
    after: BusinessMinutes = 60.0  # business minutes a request may wait for acceptance
    remind_at: float = Field(0.5, gt=0, lt=1)  # remind the receiver at this fraction of `after`
    per_group: dict[Name, BusinessMinutes] = {}  # receiving group: its own timeout
    escalation_manager: Name | None = None  # who hears when a group has no lead or manager


class StaleThresholds(Strict):
    remind_after: BusinessMinutes | None = None  # T1: no update for this long reminds the holder
    escalate_after: BusinessMinutes | None = None  # T2: escalates one step along the group's path


class StaleMatch(StaleThresholds):
    priority: list[str] = []  # the priorities it applies to (none: any)
    category: list[str] = []  # the categories it applies to (none: any)
    group: list[Name] = []  # the holder groups it applies to (none: any)


class StaleConfig(Strict):
    default: StaleThresholds = StaleThresholds(remind_after=240, escalate_after=480)
    overrides: list[StaleMatch] = []  # the first that matches priority, category and group wins
    pending_statuses: list[str] = ["pending", "stalled", "awaiting user", "on hold"]  # a ticket in these does not age


class BounceLimitThresholds(Strict):
    bounces: int | None = Field(None, ge=1)  # the bounce that names the owner and escalates, e.g. 3 (none: never)
    return_within: BusinessMinutes | None = None  # a return to a hand it had within this escalates (none: never)


class BounceLimitMatch(BounceLimitThresholds):
    priority: list[str] = []  # the priorities it applies to (none: any)
    category: list[str] = []  # the categories it applies to (none: any)
    group: list[Name] = []  # the groups where the ticket was first assigned (none: any)


class BounceLimitsConfig(Strict):
    default: BounceLimitThresholds = BounceLimitThresholds()  # off unless set
    overrides: list[BounceLimitMatch] = []  # the first that matches wins; neither threshold set: exempt


class SlaStepConfig(Strict):
    at: float = Field(gt=0, le=100)  # percent of the tool's SLA goal used (100: the breach)
    do: Literal["remind", "escalate"]  # remind the holder, or escalate one step along the path and tell the lead


class SlaConfig(Strict):
    # Steps at shares of the SLA the tool tracks (ServiceNow task_sla, Jira Service Management SLA fields), each
    # fired once per SLA cycle; tickets without an SLA keep only the stale rule. None: the SLA only sets the ETA.
    steps: list[SlaStepConfig] = []

    @field_validator("steps")
    @classmethod
    def distinct_shares(cls, steps: list[SlaStepConfig]) -> list[SlaStepConfig]:
        shares = [s.at for s in steps]
        if len(set(shares)) != len(shares):
            raise ValueError("each SLA step needs its own `at` percentage")
        return sorted(steps, key=lambda s: s.at)


class RouteConfig(Strict):
    group: Name  # the group whose queue the category goes to
    kind: HandoffKind = HandoffKind.TECHNICAL  # the kind of handoff recorded


class DeclineReasonConfig(Strict):
    # one word people type and the report counts, e.g. not-network
    code: Annotated[str, StringConstraints(pattern=r"^[^\s/]+$")]
    words: str = Field(min_length=1)  # what the sender reads, e.g. "not a network fault"
    reassignable: bool = True  # false: the ticket must not go elsewhere; it stays with (returns to) the sender
    suggested_group: Name | None = None  # where it belongs instead: the sender's email offers a one-click request


class RulesConfig(Strict):
    accept_before_reassign: AcceptBeforeReassignConfig = AcceptBeforeReassignConfig()
    queue_first: QueueFirstConfig = QueueFirstConfig()
    acceptance_timeout: AcceptanceTimeoutConfig = AcceptanceTimeoutConfig()
    stale: StaleConfig = StaleConfig()
    sla: SlaConfig = SlaConfig()  # remind and escalate at shares of the tool's own SLA
    category_routing: dict[Name, RouteConfig] = {}  # category: the group it goes straight to
    decline_reasons: list[DeclineReasonConfig] = []  # the catalog a decline picks a code from
    decline_free_text: bool = True  # false: a decline must name a code of decline_reasons
    bounce_limits: BounceLimitsConfig = BounceLimitsConfig()  # ping-pong and bounce limits
    availability: AvailabilityConfig = AvailabilityConfig()  # away people, deputies and capacity

    @field_validator("decline_reasons")
    @classmethod
    def unique_codes(cls, reasons: list[DeclineReasonConfig]) -> list[DeclineReasonConfig]:
        codes = [r.code.lower() for r in reasons]
        if doubles := sorted({c for c in codes if codes.count(c) > 1}):
            raise ValueError(f"decline reason codes must be unique; repeated: {', '.join(doubles)}")
        return reasons
