"""A deployment's handoff policy, in the form the engine reads (built once from the settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.rules.availability import Availability
from baton_itsm.core.rules.calendar import BusinessCalendar
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.review_requests import ReviewPolicy


@dataclass(frozen=True)
class StaleRule:
    remind_after: float | None  # business minutes (T1)
    escalate_after: float | None  # business minutes (T2)
    priorities: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def matches(self, facts: TicketFacts, group: str | None) -> bool:
        return (
            (not self.priorities or (facts.priority or "") in self.priorities)
            and (not self.categories or (facts.category or "") in self.categories)
            and (not self.groups or group in self.groups)
        )


@dataclass(frozen=True)
class BounceLimit:
    """When a ticket's bounces call for an owner and a lead: the `bounces`-th bounce, or a return to a hand it had
    within `return_within` business minutes (ping-pong). Both None: tickets it matches are exempt."""

    bounces: int | None = None
    return_within: float | None = None
    priorities: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()  # matched against the group where the ticket was first assigned

    def matches(self, facts: TicketFacts, group: str | None) -> bool:
        return (
            (not self.priorities or (facts.priority or "") in self.priorities)
            and (not self.categories or (facts.category or "") in self.categories)
            and (not self.groups or group in self.groups)
        )


@dataclass(frozen=True)
class SlaStep:
    """At `share` of the tool's SLA goal used (0.5 is 50 %), `action` the holder (remind) or escalate one step."""

    share: float
    action: str  # remind | escalate

    @property
    def percent(self) -> str:
        return f"{self.share * 100:g} %"


@dataclass(frozen=True)
class Route:
    group: str
    kind: HandoffKind


@dataclass(frozen=True)
class Policy:
    directory: Directory = field(default_factory=Directory)
    ownership: OwnershipPolicy = field(default_factory=OwnershipPolicy)
    push_mode: str = "revert"
    push_mode_per_group: Mapping[str, str] = field(default_factory=dict)
    exempt_groups: frozenset[str] = frozenset()
    triage_groups: frozenset[str] = frozenset()
    queue_first: bool = True
    direct_pairs: frozenset[tuple[str, str]] = frozenset()
    acceptance_after: float = 60.0
    acceptance_per_group: Mapping[str, float] = field(default_factory=dict)
    remind_at: float = 0.5
    escalation_manager: str | None = None
    stale_rules: tuple[StaleRule, ...] = (StaleRule(240.0, 480.0),)  # overrides first, the default last
    pending_statuses: frozenset[str] = frozenset({"pending", "stalled", "awaiting user", "on hold"})
    routing: Mapping[str, Route] = field(default_factory=dict)
    sla_steps: tuple[SlaStep, ...] = ()  # by share; none: the tool's SLA only informs the requester's ETA
    escalates_to: Mapping[str, str] = field(default_factory=dict)
    leads: Mapping[str, str] = field(default_factory=dict)
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    default_calendar: BusinessCalendar = field(default_factory=BusinessCalendar.always_open)
    instances: frozenset[str] = frozenset()  # connector instances Baton acts on
    accounts: Mapping[str, str] = field(default_factory=dict)  # connector instance: Baton's tool account
    reviews: ReviewPolicy = field(default_factory=ReviewPolicy)
    bounce_limits: tuple[BounceLimit, ...] = ()  # overrides first, the default last; none: the rules are off
    availability: Availability = field(default_factory=Availability)  # the deployment file's away periods

    def mode_for(self, receiving_group: str) -> str:
        return self.push_mode_per_group.get(receiving_group, self.push_mode)

    def calendar_for(self, group: str | None) -> BusinessCalendar:
        return self.calendars.get(group, self.default_calendar) if group else self.default_calendar

    def acceptance_minutes(self, receiving_group: str) -> float:
        return self.acceptance_per_group.get(receiving_group, self.acceptance_after)

    def stale_rule(self, facts: TicketFacts, group: str | None) -> StaleRule | None:
        return next((rule for rule in self.stale_rules if rule.matches(facts, group)), None)

    def bounce_limit(self, facts: TicketFacts, started_in: str | None) -> BounceLimit | None:
        return next((limit for limit in self.bounce_limits if limit.matches(facts, started_in)), None)

    def is_pending(self, facts: TicketFacts) -> bool:
        return (facts.status or "").strip().lower() in self.pending_statuses

    def lead_of(self, group: str) -> str | None:
        return self.leads.get(group) or self.escalation_manager

    def is_baton(self, instance: str, actor: str | None) -> bool:
        return actor is not None and self.accounts.get(instance) == actor

    def governs(self, instance: str) -> bool:
        """Whether Baton acts on this instance's tool (a configured connector)."""
        return instance in self.instances

    def receiver_for(self, from_group: str | None, wanted: Holder) -> Holder:
        """Queue-first: a cross-group handoff to a named person goes to that person's group queue."""
        if (
            not self.queue_first
            or wanted.person is None
            or from_group is None
            or from_group == wanted.group
            or (from_group, wanted.group) in self.direct_pairs
        ):
            return wanted
        return Holder(wanted.group)
