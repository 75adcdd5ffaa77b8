"""Bounce count: per ticket, by the group a bounce left, by who made it, by the period the ticket was opened.

The count is the domain's (core/domain/bounces.BounceCounter): a change of hands after the first
assignment, leaving an intake (triage) group being the first assignment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from baton_itsm.core.domain.bounces import BounceCounter
from baton_itsm.core.metrics.periods import in_order
from baton_itsm.core.metrics.stats import histogram, share
from baton_itsm.core.metrics.views import TicketView

if TYPE_CHECKING:
    from baton_itsm.core.metrics.facts import TicketFacts

DISTRIBUTION_TOP = 6  # 0..5 bounces, then 6+
MANY = 3  # the share of tickets with at least this many bounces is reported
NO_GROUP, UNKNOWN_AGENT = "(none)", "(unknown)"  # how a missing group or actor is shown in the tables
UNKNOWN_ROUTE = "unknown"  # the first assignment's maker, when the tool did not say (as the rules record it)


def share_with_many(counts: Sequence[int]) -> float | None:
    """The share of these tickets' bounce counts that are MANY or more (None for no tickets)."""
    return share(sum(1 for count in counts if count >= MANY), len(counts))


def ticket_bounces(
    view: TicketView, intake_groups: frozenset[str]
) -> tuple[int, list[tuple[str | None, str | None]], str | None]:
    """The ticket's bounce count, for each bounce (the group it left, who moved it), and its first route: who or
    what made the first assignment as the tool told it (UNKNOWN_ROUTE when it did not say; None: never assigned)."""
    counter = BounceCounter(intake_groups)
    step = counter.step
    bounced, route = [], None
    for _, actor, from_group, _, to_group, to_person in view.transfers:
        if step(to_group, to_person):
            bounced.append((from_group, actor))
        elif route is None and counter.assigned:
            route = actor or UNKNOWN_ROUTE
    return counter.bounces, bounced, route


class BounceTally:
    """The bounce metrics, added up a ticket at a time."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self.left: Counter[str] = Counter()
        self.held: Counter[str] = Counter()
        self.by_agent: Counter[str] = Counter()
        self.periods: dict[str, list[int]] = {}
        self.routes: dict[str, list[int]] = {}  # first route: the bounce counts of its tickets

    def add(self, fact: TicketFacts) -> None:
        if fact.bounces is None:
            return
        self.counts.append(fact.bounces)
        held = self.held
        for group in fact.held:
            held[group] += 1
        for left, actor in fact.bounced:
            self.left[left or NO_GROUP] += 1
            self.by_agent[actor or UNKNOWN_AGENT] += 1
        self.periods.setdefault(fact.period, []).append(fact.bounces)
        if fact.first_route is not None:
            self.routes.setdefault(fact.first_route, []).append(fact.bounces)

    def result(self) -> dict:
        counts, left, held, periods = self.counts, self.left, self.held, self.periods
        tickets = len(counts)
        return {
            "tickets": tickets,
            "total": sum(counts),
            "mean": round(sum(counts) / tickets, 3) if tickets else None,
            "distribution": histogram(counts, DISTRIBUTION_TOP),
            f"share_{MANY}_plus": share_with_many(counts),
            "by_group": [
                {
                    "group": group,
                    "tickets_held": held[group],
                    "bounces_out": count,
                    "bounces_per_ticket_held": round(count / held[group], 3),
                }
                for group, count in left.most_common()
            ],
            "by_agent": [{"agent": agent, "bounces_made": count} for agent, count in self.by_agent.most_common()],
            "by_period": [
                {
                    "period": period,
                    "tickets": len(values),
                    "mean": round(sum(values) / len(values), 3),
                    f"share_{MANY}_plus": share_with_many(values),
                }
                for period, values in ((p, periods[p]) for p in in_order(periods))
            ],
            "by_first_route": self._by_route(),
        }

    def _by_route(self) -> list[dict]:
        """Which routes into the desk make tickets that bounce: most bounces first."""
        rows = [
            {
                "first_route": route,
                "tickets": len(counts),
                "bounces": sum(counts),
                "bounces_per_ticket": round(sum(counts) / len(counts), 3),
                f"share_{MANY}_plus": share_with_many(counts),
            }
            for route, counts in self.routes.items()
        ]
        return sorted(rows, key=lambda row: (-row["bounces"], row["first_route"]))
