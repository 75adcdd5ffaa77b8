"""Build the engine's Policy from the validated settings (holiday calendars are expanded here)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from baton_itsm.core.rules.availability import Availability, AwayPeriod
from baton_itsm.core.rules.calendar import BusinessCalendar
from baton_itsm.core.rules.policy import BounceLimit, Policy, Route, SlaStep, StaleRule
from baton_itsm.core.rules.review_requests import ReviewPolicy
from baton_itsm.core.settings.availability import as_moment, deployment_zone
from baton_itsm.core.settings.models import BatonConfig
from baton_itsm.core.settings.rules import DAY_NUMBERS, CalendarConfig, parse_span

HOLIDAY_YEARS_AHEAD = 3


def build_calendar(config: CalendarConfig, today: date | None = None) -> BusinessCalendar:
    spans = tuple(sorted(parse_span(h) for h in config.hours))
    week = {DAY_NUMBERS[d.lower()[:3]]: spans for d in config.days}
    holidays = set(config.holidays)
    if config.holiday_country:
        import holidays as holiday_package  # only deployments that name a country need it

        first = (today or date.today()).year - 1
        years = range(first, first + HOLIDAY_YEARS_AHEAD + 1)
        holidays |= set(
            holiday_package.country_holidays(config.holiday_country, subdiv=config.holiday_subdivision, years=years)
        )
    return BusinessCalendar(ZoneInfo(config.timezone), week, frozenset(holidays))


def build_policy(config: BatonConfig) -> Policy:
    rules = config.rules
    calendars = {name: build_calendar(c) for name, c in config.calendars.items()}
    default_calendar = calendars[config.default_calendar] if config.default_calendar else BusinessCalendar()
    overrides = tuple(
        StaleRule(o.remind_after, o.escalate_after, frozenset(o.priority), frozenset(o.category), frozenset(o.group))
        for o in rules.stale.overrides
    )
    default_stale = StaleRule(rules.stale.default.remind_after, rules.stale.default.escalate_after)
    push = rules.accept_before_reassign
    return Policy(
        directory=config.directory(),
        ownership=config.ownership_policy(),
        push_mode=str(push.mode),
        push_mode_per_group={g: str(m) for g, m in push.per_group.items()},
        exempt_groups=frozenset(push.exempt_groups),
        triage_groups=frozenset(push.triage_groups),
        queue_first=rules.queue_first.enabled,
        direct_pairs=frozenset((p["from"], p["to"]) for p in rules.queue_first.allow_direct),
        acceptance_after=rules.acceptance_timeout.after,
        acceptance_per_group=dict(rules.acceptance_timeout.per_group),
        remind_at=rules.acceptance_timeout.remind_at,
        escalation_manager=rules.acceptance_timeout.escalation_manager,
        stale_rules=(*overrides, default_stale),
        pending_statuses=frozenset(s.strip().lower() for s in rules.stale.pending_statuses),
        sla_steps=tuple(SlaStep(step.at / 100, step.do) for step in rules.sla.steps),
        routing={category: Route(r.group, r.kind) for category, r in rules.category_routing.items()},
        escalates_to={g: c.escalates_to for g, c in config.groups.items() if c.escalates_to},
        leads={g: c.lead or c.managers[0] for g, c in config.groups.items() if c.lead or c.managers},
        calendars={g: calendars[c.calendar] for g, c in config.groups.items() if c.calendar},
        default_calendar=default_calendar,
        instances=frozenset(config.connectors),
        accounts={name: c.account for name, c in config.connectors.items() if c.account},
        reviews=build_review_policy(config),
        bounce_limits=build_bounce_limits(config),
        availability=build_availability(config),
    )


def build_bounce_limits(config: BatonConfig) -> tuple[BounceLimit, ...]:
    limits = config.rules.bounce_limits
    overrides = tuple(
        BounceLimit(o.bounces, o.return_within, frozenset(o.priority), frozenset(o.category), frozenset(o.group))
        for o in limits.overrides
    )
    return (*overrides, BounceLimit(limits.default.bounces, limits.default.return_within))


def build_availability(config: BatonConfig) -> Availability:
    """The deployment file's away periods, deputies and capacities. A bare date is a whole day in the default
    calendar's time zone (UTC without one)."""
    settings = config.rules.availability
    zone = deployment_zone(config)
    periods = tuple(
        AwayPeriod(name, as_moment(a.start, zone), as_moment(a.until, zone, end=True), a.deputy, a.note)
        for name, person in config.people.items()
        for a in person.away
    )
    return Availability(
        periods=periods,
        deputies={n: p.deputy for n, p in config.people.items() if p.deputy},
        capacity={n: p.capacity for n, p in config.people.items() if p.capacity},
        default_capacity=settings.default_capacity,
        enabled=settings.enabled,
        escalate_stale=settings.escalate_stale_when_away,
    )


def build_review_policy(config: BatonConfig) -> ReviewPolicy:
    reviews = config.reviews
    return ReviewPolicy(
        ask=str(reviews.ask),
        sample_share=reviews.sample_share,
        audit_share=reviews.audit_share,
        seed=reviews.seed,
        escalation_kinds=frozenset(reviews.escalations.kinds),
        escalation_editors=tuple(reviews.escalations.editors),
    )
