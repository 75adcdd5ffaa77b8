"""Setting a person away from the CLI or the API: the same checks for both, then the store (every process reads it).
`from` and `until` are a date (whole days in the deployment's zone; `until` is the last day away), a moment with
its time zone, or `now`."""

from __future__ import annotations

from datetime import date, datetime

from baton_itsm.core.errors import BatonError
from baton_itsm.core.rules.availability import AwayPeriod
from baton_itsm.core.settings.availability import as_moment, day_or_moment, deployment_zone
from baton_itsm.core.settings.models import BatonConfig
from baton_itsm.core.store.away_periods import AwayPeriods, StoredAway


def deployment_people(config: BatonConfig) -> set[str]:
    """Everyone the deployment names: people, group members, managers and leads."""
    named = set(config.people)
    for group in config.groups.values():
        named |= {*group.members, *group.managers, *([group.lead] if group.lead else [])}
    return named


def when(text: str | date | datetime, config: BatonConfig, now: datetime, *, end: bool = False) -> datetime:
    if isinstance(text, str) and text.strip().lower() == "now":
        return now
    try:
        value = day_or_moment(text)
    except ValueError as error:
        raise BatonError(
            f"{text!r}: expected a date (2026-12-24), a moment with its zone "
            f"(2026-12-24T09:00:00+01:00) or now ({error})"
        ) from None
    return as_moment(value, deployment_zone(config), end=end)


def set_away(
    config: BatonConfig,
    periods: AwayPeriods,
    person: str,
    start: str | date | datetime,
    until: str | date | datetime,
    *,
    deputy: str | None,
    note: str,
    by: str,
    now: datetime,
) -> StoredAway:
    known = deployment_people(config)
    for name in (person, deputy):
        if name is not None and known and name not in known:
            raise BatonError(
                f"{name!r} is not a person of this deployment (people, group members, managers and "
                f"leads): {', '.join(sorted(known))}"
            )
    begins, ends = when(start, config, now), when(until, config, now, end=True)
    if ends <= now:
        raise BatonError(f"that period ended already ({ends:%Y-%m-%d %H:%M} UTC): nothing to set")
    return periods.add(AwayPeriod(person, begins, ends, deputy or None, note, source="store"), by, now)
