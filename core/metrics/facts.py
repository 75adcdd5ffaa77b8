"""What each ticket adds to the metrics, worked out once per ticket.

The report adds these facts up overall (core/metrics/bounces, timing) and per group, agent and period
(core/metrics/scorecards), so every breakdown counts a ticket the same way, and each ticket's transfers are
walked once for all of them, then let go. The definitions stay where they are written down: the bounce
count in core/domain/bounces (through metrics/bounces), pickups and the last handoff in metrics/timing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from baton_itsm.core.metrics.bounces import ticket_bounces
from baton_itsm.core.metrics.stats import minutes
from baton_itsm.core.metrics.timing import last_handoff_index, pickup_times
from baton_itsm.core.metrics.views import TicketView


@dataclass(slots=True)
class TicketFacts:
    view: TicketView
    period: str  # the period it was opened in (core/metrics/periods)
    bounces: int | None = None  # None: the ticket never had a holder
    bounced: Sequence[tuple[str | None, str | None]] = ()  # (group left, who moved it), per bounce
    held: frozenset[str] = frozenset()  # the groups that held it
    pickups: Sequence[tuple[str, float, str | None]] = ()  # (group, minutes waited, by whom)
    # (receiving group, who handed it on, minutes until resolved) of the last handoff between groups, when the
    # ticket was resolved after it; a handoff after the resolution (closing housekeeping) is not one.
    last_handoff: tuple[str, str | None, float] | None = None
    resolver: tuple[str, str | None] | None = None  # the holder (group, person) when it was resolved
    reopened: bool | None = None  # None: the history gave no reopen count
    first_route: str | None = None  # who or what made the first assignment (None: never assigned)


def ticket_facts(
    view: TicketView, intake_groups: frozenset[str], period_of: Callable[[str | None], str]
) -> TicketFacts:
    transfers, summary = view.transfers, view.summary
    reopen_count = summary.get("reopen_count") if summary else None
    reopened = None if reopen_count is None else reopen_count > 0
    if not transfers:
        return TicketFacts(view, period_of(view.opened_text), reopened=reopened)
    bounces, bounced, route = ticket_bounces(view, intake_groups)
    last_handoff = resolver = None
    resolved_at = view.resolved_at
    if resolved_at is not None:
        last = last_handoff_index(transfers)
        if last is not None:
            took = minutes(transfers[last][0], resolved_at)
            if took >= 0:
                last_handoff = (transfers[last][4], transfers[last][1], took)
        for at, _, _, _, group, person in transfers:  # the holder it had at its resolution
            if at <= resolved_at:
                resolver = (group, person)
    return TicketFacts(
        view,
        period_of(view.opened_text),
        bounces,
        bounced,
        frozenset([t[4] for t in transfers]),
        pickup_times(view),
        last_handoff,
        resolver,
        reopened,
        route,
    )
