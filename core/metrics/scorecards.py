"""Scorecards: the report's figures side by side, one row per group, per agent and per period.

Whom a figure counts for:

* a group: bounces out of it (and the tickets it held), pickups of arrivals in its queue, tickets whose
  last handoff went to it (the resolution time after that handoff, late handoffs it received), tickets
  it held when they were resolved (and how many of those were reopened), handoff requests sent to it
  (acceptance time, declines, escalations it received);
* an agent: moves and bounces they made, late handoffs they made (the last handoff before a quick
  resolution: the ticket should have gone there earlier), queue arrivals they picked up and how fast,
  tickets they held when resolved (the resolution time after the last handoff, reopens), handoffs they
  accepted (how fast) or declined, escalations they asked for;
* a period: every figure of the tickets opened in it (core/metrics/periods).

Times are medians in minutes, next to the count they are taken over; shares are over the tickets the
count before them is taken of. A cell is empty where there is nothing to measure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from baton_itsm.core.metrics.bounces import MANY, NO_GROUP, UNKNOWN_AGENT, share_with_many
from baton_itsm.core.metrics.facts import TicketFacts
from baton_itsm.core.metrics.periods import in_order
from baton_itsm.core.metrics.stats import minutes, nearest_rank, share

ACCEPTED_STATES = ("accepted", "applied")


@dataclass(slots=True)
class _Figures:
    """One row's counts and its samples of minutes."""

    counts: Counter = field(default_factory=Counter)
    samples: defaultdict = field(default_factory=lambda: defaultdict(list))

    def count(self, name: str) -> None:
        self.counts[name] += 1

    def time(self, name: str, taken: float) -> None:
        self.counts[name] += 1
        self.samples[name].append(taken)

    def median(self, name: str) -> float | None:
        values = sorted(v for v in self.samples.get(name, ()) if v >= 0)
        return round(nearest_rank(values, 0.5), 1) if values else None

    def share(self, part: str, whole: str) -> float | None:
        return share(self.counts[part], self.counts[whole])


class Scorecards:
    """The rows per group, agent and period, added up a ticket at a time."""

    def __init__(self, late_within_minutes: float, period: str) -> None:
        self.late_within_minutes, self.period = late_within_minutes, period
        self.groups: defaultdict[str | None, _Figures] = defaultdict(_Figures)
        self.agents: defaultdict[str | None, _Figures] = defaultdict(_Figures)
        self.periods: defaultdict[str, _Figures] = defaultdict(_Figures)

    def add(self, fact: TicketFacts) -> None:
        in_period = self.periods[fact.period]
        in_period.count("tickets")
        self._holders(fact, in_period)
        if fact.view.handoffs:
            self._handoffs(fact, in_period)

    def result(self) -> dict:
        """{"period": the period kind, "by_group": rows, "by_agent": rows, "by_period": rows}."""
        groups, agents, periods = _named(self.groups, NO_GROUP), _named(self.agents, UNKNOWN_AGENT), self.periods
        return {
            "period": self.period,
            "by_group": sorted(
                (_group_row(name, row) for name, row in groups.items()),
                key=lambda r: (-r["tickets_held"], -r["handoffs_to"], r["group"]),
            ),
            "by_agent": sorted(
                (_agent_row(name, row) for name, row in agents.items()), key=lambda r: (-_activity(r), r["agent"])
            ),
            "by_period": [_period_row(name, periods[name]) for name in in_order(periods)],
        }

    def _holders(self, fact: TicketFacts, in_period: _Figures) -> None:
        """What the ticket's holders did: moves, bounces, pickups, the last handoff and the resolution."""
        groups, agents = self.groups, self.agents
        if fact.bounces is not None:  # the ticket had holders
            in_period.samples["bounces"].append(fact.bounces)
            for group in fact.held:
                groups[group].count("tickets_held")
            for transfer in fact.view.transfers:
                agents[transfer[1]].count("moves")
        for left, actor in fact.bounced:
            groups[left].count("bounces_out")
            agents[actor].count("bounces")
        for group, waited, person in fact.pickups:
            for row in (groups[group], agents[person], in_period):
                row.time("pickup", waited)
        resolver = fact.resolver
        if fact.last_handoff is not None:
            receiving, sender, took = fact.last_handoff
            late = took <= self.late_within_minutes
            for row in (groups[receiving], in_period):
                row.time("after_handoff", took)
                if late:
                    row.count("late")
            if late:
                agents[sender].count("late_made")
            if resolver is not None and resolver[1] is not None:
                agents[resolver[1]].time("resolution", took)
        rows = [in_period]
        if resolver is not None:
            groups[resolver[0]].count("resolved")
            rows.append(groups[resolver[0]])
            if resolver[1] is not None:
                agents[resolver[1]].count("resolved")
                rows.append(agents[resolver[1]])
        if fact.reopened is not None:
            for row in rows:
                row.count("reopen_known")
                if fact.reopened:
                    row.count("reopened")

    def _handoffs(self, fact: TicketFacts, in_period: _Figures) -> None:
        """What Baton's handoff protocol recorded: requests, acceptance time, declines, escalations."""
        for record in fact.view.handoffs.values():
            receiving = self.groups[record.to_group]
            for row in (receiving, in_period):
                row.count("handoffs_to")
            if record.state in ACCEPTED_STATES and not record.forced and record.decided_at:
                waited = minutes(record.requested_at, record.decided_at)
                for row in (receiving, self.agents[record.decided_by], in_period):
                    row.time("acceptance", waited)
            elif record.state == "declined":
                for row in (receiving, self.agents[record.decided_by], in_period):
                    row.count("declined")
            if record.kind and record.kind != "reassign":
                for row in (receiving, self.agents[record.requested_by], in_period):
                    row.count("escalations")


def _named(rows: dict[str | None, _Figures], unnamed: str) -> dict[str, _Figures]:
    """`rows` with the row of no name (no group, an unknown agent) under the name the report shows for it."""
    named = {name: row for name, row in rows.items() if name is not None}
    if None in rows:
        named[unnamed] = rows[None]
    return named


def _group_row(name: str, row: _Figures) -> dict:
    c = row.counts
    return {
        "group": name,
        "tickets_held": c["tickets_held"],
        "bounces_out": c["bounces_out"],
        "bounces_per_ticket_held": round(c["bounces_out"] / c["tickets_held"], 3) if c["tickets_held"] else None,
        "pickups": c["pickup"],
        "pickup_median_minutes": row.median("pickup"),
        "resolved_after_handoff": c["after_handoff"],
        "resolution_median_minutes": row.median("after_handoff"),
        "late_handoffs_received": c["late"],
        "late_share": row.share("late", "after_handoff"),
        "resolved": c["resolved"],
        "reopened": c["reopened"],
        "reopen_rate": row.share("reopened", "reopen_known"),
        "handoffs_to": c["handoffs_to"],
        "accepted": c["acceptance"],
        "acceptance_median_minutes": row.median("acceptance"),
        "declined": c["declined"],
        "escalations_received": c["escalations"],
    }


def _agent_row(name: str, row: _Figures) -> dict:
    c = row.counts
    return {
        "agent": name,
        "moves_made": c["moves"],
        "bounces_made": c["bounces"],
        "late_handoffs_made": c["late_made"],
        "pickups": c["pickup"],
        "pickup_median_minutes": row.median("pickup"),
        "resolved": c["resolved"],
        "resolution_median_minutes": row.median("resolution"),
        "reopened": c["reopened"],
        "reopen_rate": row.share("reopened", "reopen_known"),
        "accepted": c["acceptance"],
        "acceptance_median_minutes": row.median("acceptance"),
        "declined": c["declined"],
        "escalations_requested": c["escalations"],
    }


def _activity(row: dict) -> int:
    return row["moves_made"] + row["pickups"] + row["resolved"] + row["accepted"] + row["declined"]


def _period_row(name: str, row: _Figures) -> dict:
    c, bounces = row.counts, row.samples.get("bounces", [])
    return {
        "period": name,
        "tickets": c["tickets"],
        "bounce_mean": round(sum(bounces) / len(bounces), 3) if bounces else None,
        f"share_{MANY}_plus": share_with_many(bounces),
        "pickups": c["pickup"],
        "pickup_median_minutes": row.median("pickup"),
        "resolved_after_handoff": c["after_handoff"],
        "resolution_median_minutes": row.median("after_handoff"),
        "late_handoffs": c["late"],
        "late_share": row.share("late", "after_handoff"),
        "reopened": c["reopened"],
        "reopen_rate": row.share("reopened", "reopen_known"),
        "handoffs": c["handoffs_to"],
        "accepted": c["acceptance"],
        "acceptance_median_minutes": row.median("acceptance"),
        "declined": c["declined"],
        "escalations": c["escalations"],
    }
