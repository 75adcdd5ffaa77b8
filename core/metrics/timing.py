"""Times around handoffs: how fast receivers pick up, how long after the last handoff tickets are
resolved, and handoffs that came late (the ticket was resolved soon after it arrived: it should
have gone there earlier)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from baton_itsm.core.metrics.stats import duration_summary, minutes, share
from baton_itsm.core.metrics.views import TicketView, Transfer

if TYPE_CHECKING:
    from baton_itsm.core.metrics.facts import TicketFacts

DEFAULT_LATE_WITHIN_MINUTES = 60.0


def pickup_times(view: TicketView) -> list[tuple[str, float, str | None]]:
    """(receiving group, minutes, who picked it up) for each arrival in a group's queue that someone
    in the group later took. An arrival straight to a named person has no pickup to measure."""
    found: list[tuple[str, float, str | None]] = []
    waiting: tuple[str, datetime] | None = None  # (group, arrived at) of the queue arrival being waited on
    for at, _, from_group, _, to_group, to_person in view.transfers:
        if waiting is not None and to_group == waiting[0] and to_person is not None:
            found.append((to_group, minutes(waiting[1], at), to_person))
            waiting = None
        elif to_group != from_group:  # a move to another group; a release to the own queue is not one
            waiting = (to_group, at) if to_person is None else None
    return found


def last_handoff_index(transfers: Sequence[Transfer]) -> int | None:
    """The index of the ticket's last handoff between groups (a move from one group to another), if it had one."""
    for i in range(len(transfers) - 1, -1, -1):
        from_group = transfers[i][2]
        if from_group is not None and transfers[i][4] != from_group:
            return i
    return None


def late_transfer(view: TicketView, late_within_minutes: float) -> int | None:
    """The index in `view.transfers` of the ticket's late handoff, if it had one: as timing_metrics counts
    it, the last handoff between groups when the ticket was resolved within the window after it."""
    resolved_at = view.resolved_at
    if resolved_at is None:
        return None
    last = last_handoff_index(view.transfers)
    if last is None:
        return None
    return last if 0 <= minutes(view.transfers[last][0], resolved_at) <= late_within_minutes else None


class TimingTally:
    """Pickup times, resolution after the last handoff and late handoffs, added up a ticket at a time."""

    def __init__(self, late_within_minutes: float = DEFAULT_LATE_WITHIN_MINUTES) -> None:
        self.late_within_minutes = late_within_minutes
        self.pickups: list[float] = []
        self.pickups_by_group: defaultdict[str, list[float]] = defaultdict(list)
        self.after_last: list[float] = []
        self.after_last_by_group: defaultdict[str, list[float]] = defaultdict(list)
        self.late_by_group: defaultdict[str, int] = defaultdict(int)
        self.resolved_with_handoff = self.late = 0

    def add(self, fact: TicketFacts) -> None:
        for group, waited, _ in fact.pickups:
            self.pickups.append(waited)
            self.pickups_by_group[group].append(waited)
        if fact.last_handoff is None:
            return
        last_group, _, took = fact.last_handoff
        self.resolved_with_handoff += 1
        self.after_last.append(took)
        self.after_last_by_group[last_group].append(took)
        if took <= self.late_within_minutes:
            self.late += 1
            self.late_by_group[last_group] += 1

    def result(self) -> dict:
        """The figures, and under "pickup_samples" every pickup time in order (for the chart)."""
        late, resolved_with_handoff = self.late, self.resolved_with_handoff
        return {
            "pickup_minutes": duration_summary(self.pickups),
            "pickup_samples": sorted(self.pickups),
            "pickup_by_group": sorted(
                ({"group": g, **duration_summary(v)} for g, v in self.pickups_by_group.items()),
                key=lambda row: -row["count"],
            ),
            "resolution_after_last_handoff_minutes": duration_summary(self.after_last),
            "resolution_after_last_handoff_by_group": sorted(
                ({"group": g, **duration_summary(v)} for g, v in self.after_last_by_group.items()),
                key=lambda r: -r["count"],
            ),
            "late_handoffs": {
                "within_minutes": self.late_within_minutes,
                "tickets": late,
                "of_resolved_tickets_with_a_handoff": resolved_with_handoff,
                "share": share(late, resolved_with_handoff),
                "by_receiving_group": [
                    {"group": g, "late_handoffs": n}
                    for g, n in sorted(self.late_by_group.items(), key=lambda item: -item[1])
                ],
            },
        }
