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
from collections.abc import Sequence
from dataclasses import dataclass, field

from baton_itsm.core.metrics.bounces import MANY, NO_GROUP, UNKNOWN_AGENT
from baton_itsm.core.metrics.facts import TicketFacts
from baton_itsm.core.metrics.periods import in_order
from baton_itsm.core.metrics.stats import minutes, percentile, share

ACCEPTED_STATES = ("accepted", "applied")


class _Tally:
    """One dimension's figures as they are gathered: per figure, the key (a group, agent or period) of each
    thing counted, or (key, minutes) of each thing timed. Counted once at the end, by Counter, in C."""

    __slots__ = ("keys", "timed")

    def __init__(self) -> None:
        self.keys: defaultdict[str, list] = defaultdict(list)
        self.timed: defaultdict[str, list[tuple]] = defaultdict(list)

    def rows(self) -> dict[str, _Figures]:
        rows: defaultdict[str, _Figures] = defaultdict(_Figures)
        for figure, keys in self.keys.items():
            for key, count in Counter(keys).items():
                rows[key].counts[figure] = count
        for figure, pairs in self.timed.items():
            by_key: defaultdict = defaultdict(list)
            for key, taken in pairs:
                by_key[key].append(taken)
            for key, values in by_key.items():
                rows[key].samples[figure] = values
                rows[key].counts[figure] = len(values)
        return rows


@dataclass(slots=True)
class _Figures:
    """One row's counts and its samples of minutes."""

    counts: Counter = field(default_factory=Counter)
    samples: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float | None:
        values = sorted(v for v in self.samples.get(name, ()) if v >= 0)
        return round(percentile(values, 0.5), 1) if values else None

    def share(self, part: str, whole: str) -> float | None:
        return share(self.counts[part], self.counts[whole])


def scorecards(facts: Sequence[TicketFacts], late_within_minutes: float, period: str) -> dict:
    """{"period": the period kind, "by_group": rows, "by_agent": rows, "by_period": rows}."""
    group, agent, when = _Tally(), _Tally(), _Tally()
    for fact in facts:
        _holders(fact, group, agent, when, late_within_minutes)
        if fact.view.handoffs:
            _handoffs(fact, group, agent, when)
    groups, agents, periods = group.rows(), agent.rows(), when.rows()
    for unknown, name in ((groups, NO_GROUP), (agents, UNKNOWN_AGENT)):
        if None in unknown:
            unknown[name] = unknown.pop(None)
    return {
        "period": period,
        "by_group": sorted((_group_row(name, row) for name, row in groups.items()),
                           key=lambda r: (-r["tickets_held"], -r["handoffs_to"], r["group"])),
        "by_agent": sorted((_agent_row(name, row) for name, row in agents.items()),
                           key=lambda r: (-_activity(r), r["agent"])),
        "by_period": [_period_row(name, periods[name]) for name in in_order(periods)],
    }


def _holders(fact: TicketFacts, group: _Tally, agent: _Tally, when: _Tally, late_within_minutes: float) -> None:
    """What the ticket's holders did: moves, bounces, pickups, the last handoff and the resolution."""
    period = fact.period
    when.keys["tickets"].append(period)
    if fact.bounces is not None:  # the ticket had holders
        transfers = fact.view.transfers
        when.timed["bounces"].append((period, fact.bounces))
        group.keys["tickets_held"].extend(fact.held)
        agent.keys["moves"].extend([t[1] for t in transfers])
    if fact.bounced:
        group.keys["bounces_out"].extend([left for left, _ in fact.bounced])
        agent.keys["bounces"].extend([actor for _, actor in fact.bounced])
    for where, waited, person in fact.pickups:
        group.timed["pickup"].append((where, waited))
        agent.timed["pickup"].append((person, waited))
        when.timed["pickup"].append((period, waited))
    resolver = fact.resolver
    if fact.last_handoff is not None:
        receiving, sender, took = fact.last_handoff
        group.timed["after_handoff"].append((receiving, took))
        when.timed["after_handoff"].append((period, took))
        if took <= late_within_minutes:
            group.keys["late"].append(receiving)
            when.keys["late"].append(period)
            agent.keys["late_made"].append(sender)
        if resolver is not None and resolver[1] is not None:
            agent.timed["resolution"].append((resolver[1], took))
    reopened = fact.reopened
    if reopened is not None:
        when.keys["reopen_known"].append(period)
        if reopened:
            when.keys["reopened"].append(period)
    if resolver is not None:
        resolved_by = [(group, resolver[0])] + ([(agent, resolver[1])] if resolver[1] is not None else [])
        for tally, key in resolved_by:
            tally.keys["resolved"].append(key)
            if reopened is not None:
                tally.keys["reopen_known"].append(key)
                if reopened:
                    tally.keys["reopened"].append(key)


def _handoffs(fact: TicketFacts, group: _Tally, agent: _Tally, when: _Tally) -> None:
    """What Baton's handoff protocol recorded: requests, acceptance time, declines, escalations."""
    period = fact.period
    for record in fact.view.handoffs.values():
        receiving = record.to_group
        group.keys["handoffs_to"].append(receiving)
        when.keys["handoffs_to"].append(period)
        if record.state in ACCEPTED_STATES and not record.forced and record.decided_at:
            waited = minutes(record.requested_at, record.decided_at)
            for tally, key in ((group, receiving), (agent, record.decided_by), (when, period)):
                tally.timed["acceptance"].append((key, waited))
        elif record.state == "declined":
            for tally, key in ((group, receiving), (agent, record.decided_by), (when, period)):
                tally.keys["declined"].append(key)
        if record.kind and record.kind != "reassign":
            for tally, key in ((group, receiving), (agent, record.requested_by), (when, period)):
                tally.keys["escalations"].append(key)


def _group_row(name: str, row: _Figures) -> dict:
    c = row.counts
    return {
        "group": name, "tickets_held": c["tickets_held"], "bounces_out": c["bounces_out"],
        "bounces_per_ticket_held": round(c["bounces_out"] / c["tickets_held"], 3) if c["tickets_held"] else None,
        "pickups": c["pickup"], "pickup_median_minutes": row.median("pickup"),
        "resolved_after_handoff": c["after_handoff"], "resolution_median_minutes": row.median("after_handoff"),
        "late_handoffs_received": c["late"], "late_share": row.share("late", "after_handoff"),
        "resolved": c["resolved"], "reopened": c["reopened"], "reopen_rate": row.share("reopened", "reopen_known"),
        "handoffs_to": c["handoffs_to"], "accepted": c["acceptance"],
        "acceptance_median_minutes": row.median("acceptance"), "declined": c["declined"],
        "escalations_received": c["escalations"],
    }


def _agent_row(name: str, row: _Figures) -> dict:
    c = row.counts
    return {
        "agent": name, "moves_made": c["moves"], "bounces_made": c["bounces"], "late_handoffs_made": c["late_made"],
        "pickups": c["pickup"], "pickup_median_minutes": row.median("pickup"),
        "resolved": c["resolved"], "resolution_median_minutes": row.median("resolution"),
        "reopened": c["reopened"], "reopen_rate": row.share("reopened", "reopen_known"),
        "accepted": c["acceptance"], "acceptance_median_minutes": row.median("acceptance"), "declined": c["declined"],
        "escalations_requested": c["escalations"],
    }


def _activity(row: dict) -> int:
    return row["moves_made"] + row["pickups"] + row["resolved"] + row["accepted"] + row["declined"]


def _period_row(name: str, row: _Figures) -> dict:
    c, bounces = row.counts, row.samples.get("bounces", [])
    return {
        "period": name, "tickets": c["tickets"],
        "bounce_mean": round(sum(bounces) / len(bounces), 3) if bounces else None,
        f"share_{MANY}_plus": share(sum(1 for b in bounces if b >= MANY), len(bounces)),
        "pickups": c["pickup"], "pickup_median_minutes": row.median("pickup"),
        "resolved_after_handoff": c["after_handoff"], "resolution_median_minutes": row.median("after_handoff"),
        "late_handoffs": c["late"], "late_share": row.share("late", "after_handoff"),
        "reopened": c["reopened"], "reopen_rate": row.share("reopened", "reopen_known"),
        "handoffs": c["handoffs_to"], "accepted": c["acceptance"], "acceptance_median_minutes": row.median("acceptance"),
        "declined": c["declined"], "escalations": c["escalations"],
    }
