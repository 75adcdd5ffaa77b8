"""Availability: who is away (and who deputises), who holds as many open tickets as they may; where a request to
them goes instead. Pure: the periods and the open-ticket counts are given, read by the caller (settings, store,
ICS feeds).

A request to an away person goes to their deputy, unless the deputy is away too, at capacity or not in the group;
then to the group's queue. A request to someone at capacity goes to the queue. Each reroute is in the ledger as a
`rule` entry (rule `away` or `capacity`): who was asked, who got it, why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from baton_itsm.core.domain.away import AwayPeriod
from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.rule_events import RuleFired

AWAY, CAPACITY = "away", "capacity"  # the rules' names in the ledger
REROUTE_RULES = frozenset({AWAY, CAPACITY})
REROUTED = frozenset({"to-deputy", "to-queue"})  # the outcomes of a reroute (an away holder's stale ticket: escalated)


def _none_held(person: str) -> int:
    return 0


@dataclass(frozen=True)
class Availability:
    periods: tuple[AwayPeriod, ...] = ()
    deputies: Mapping[str, str] = field(default_factory=dict)  # each person's standing deputy
    capacity: Mapping[str, int] = field(default_factory=dict)  # open tickets a person may hold
    default_capacity: int | None = None
    held: Callable[[str], int] = _none_held  # open tickets a person holds now (read lazily: only when asked)
    enabled: bool = True
    escalate_stale: bool = True  # an away holder's stale ticket escalates at its first reminder

    def away(self, person: str | None, at: datetime) -> AwayPeriod | None:
        """The period `person` is away in at `at`; of overlapping ones, the one that ends last."""
        if person is None or not self.enabled:
            return None
        covering = [p for p in self.periods if p.person == person and p.covers(at)]
        return max(covering, key=lambda p: p.end) if covering else None

    def capacity_of(self, person: str) -> int | None:
        return self.capacity.get(person, self.default_capacity)

    def over_capacity(self, person: str) -> int | None:
        """How many open tickets `person` holds, when that is at least their capacity; None otherwise."""
        limit = self.capacity_of(person)
        if limit is None or not self.enabled:
            return None
        held = self.held(person)
        return held if held >= limit else None

    def with_periods(self, periods: tuple[AwayPeriod, ...], held: Callable[[str], int] | None = None) -> Availability:
        return replace(self, periods=self.periods + periods, held=held or self.held)


@dataclass(frozen=True)
class Reroute:
    asked: Holder  # who the request named
    receiver: Holder  # who gets it
    rule: str  # away | capacity
    outcome: str  # to-deputy | to-queue
    reason: str


def reroute(availability: Availability, directory: Directory, wanted: Holder, at: datetime) -> Reroute | None:
    """Where a request for `wanted` goes instead, if its person is away or at capacity; None: it goes to them."""
    person, group = wanted.person, wanted.group
    if person is None or not availability.enabled:
        return None
    queue = Holder(group)
    period = availability.away(person, at)
    if period is not None:
        why = period.words()
        deputy = period.deputy or availability.deputies.get(person)
        if deputy and deputy != person:
            unfit = _unfit_deputy(availability, directory, deputy, group, at)
            if unfit is None:
                return Reroute(wanted, Holder(group, deputy), AWAY, "to-deputy", f"{why}; {deputy} deputises")
            why = f"{why} and their deputy {deputy} {unfit}"
        return Reroute(wanted, queue, AWAY, "to-queue", f"{why}: the {group} queue takes it")
    held = availability.over_capacity(person)
    if held is not None:
        return Reroute(
            wanted,
            queue,
            CAPACITY,
            "to-queue",
            f"{person} holds {held} open tickets, their capacity ({availability.capacity_of(person)}): "
            f"the {group} queue takes it",
        )
    return None


def _unfit_deputy(
    availability: Availability, directory: Directory, deputy: str, group: str, at: datetime
) -> str | None:
    if directory.knows(group) and not directory.is_member(deputy, group):
        return f"is not a member of {group}"
    if (period := availability.away(deputy, at)) is not None:
        return f"is away too (until {period.end:%Y-%m-%d %H:%M} UTC)"
    if (held := availability.over_capacity(deputy)) is not None:
        return f"holds {held} open tickets, their capacity"
    return None


def reroute_entry(
    ticket: TicketKey, rerouted: Reroute, handoff_id: str, at: datetime, by: str | None, source_event_id: str = ""
) -> RuleFired:
    """The ledger's record of a reroute; it follows the request it shaped, whose notice and note cite it."""
    return RuleFired(
        ticket=ticket,
        at=at,
        by=by,
        rule=rerouted.rule,
        outcome=rerouted.outcome,
        from_holder=rerouted.asked,
        to_holder=rerouted.receiver,
        handoff_id=handoff_id,
        reason=rerouted.reason,
        source_event_id=source_event_id,
    )


def asked_person(rerouted: RuleFired) -> str | None:
    """Whom the request of a reroute (`reroute_entry`) first named: its `from_holder`, always set there."""
    return rerouted.from_holder.person if rerouted.from_holder is not None else None


def rerouted_requests(events: Sequence[LedgerEvent]) -> dict[str, RuleFired]:
    """The reroutes among `events`, by the handoff request each shaped."""
    return {
        e.handoff_id: e
        for e in events
        if isinstance(e, RuleFired) and e.rule in REROUTE_RULES and e.outcome in REROUTED and e.handoff_id
    }
