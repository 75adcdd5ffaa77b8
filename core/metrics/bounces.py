"""Bounce count: per ticket, by the group a bounce left, by who made it, by month.

The count is the domain's (core/domain/bounces.BounceCounter): a change of hands after the first
assignment, leaving an intake (triage) group being the first assignment.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from baton_itsm.core.domain.bounces import BounceCounter
from baton_itsm.core.metrics.stats import histogram, share
from baton_itsm.core.metrics.views import TicketView

DISTRIBUTION_TOP = 6  # 0..5 bounces, then 6+
MANY = 3  # the share of tickets with at least this many bounces is reported


def ticket_bounces(view: TicketView, intake_groups: frozenset[str]) -> tuple[int, list[tuple[str | None, str | None]]]:
    """The ticket's bounce count and, for each bounce, (the group it left, who moved it)."""
    counter = BounceCounter(intake_groups)
    step = counter.step
    bounced = [(from_group, actor) for _, actor, from_group, _, to_group, to_person in view.transfers
               if step(to_group, to_person)]
    return counter.bounces, bounced


def bounce_metrics(views: Sequence[TicketView], intake_groups: frozenset[str] = frozenset()) -> dict:
    counts: list[int] = []
    left: Counter[str] = Counter()
    held: Counter[str] = Counter()
    by_agent: Counter[str] = Counter()
    periods: dict[str, list[int]] = {}
    for view in views:
        if not view.transfers:
            continue
        bounces, bounced = ticket_bounces(view, intake_groups)
        counts.append(bounces)
        for group in {t[4] for t in view.transfers}:
            held[group] += 1
        for group, actor in bounced:
            left[group or "(none)"] += 1
            by_agent[actor or "(unknown)"] += 1
        periods.setdefault(view.opened_month, []).append(bounces)
    tickets = len(counts)
    return {
        "tickets": tickets,
        "total": sum(counts),
        "mean": round(sum(counts) / tickets, 3) if tickets else None,
        "distribution": histogram(counts, DISTRIBUTION_TOP),
        f"share_{MANY}_plus": share(sum(1 for c in counts if c >= MANY), tickets),
        "by_group": [{"group": group, "tickets_held": held[group], "bounces_out": count,
                      "bounces_per_ticket_held": round(count / held[group], 3)}
                     for group, count in left.most_common()],
        "by_agent": [{"agent": agent, "bounces_made": count} for agent, count in by_agent.most_common()],
        "by_period": [{"period": period, "tickets": len(values), "mean": round(sum(values) / len(values), 3),
                       f"share_{MANY}_plus": share(sum(1 for c in values if c >= MANY), len(values))}
                      for period, values in sorted(periods.items())],
    }
