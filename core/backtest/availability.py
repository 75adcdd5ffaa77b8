"""What availability would have done to a history: assignments to people away (the deployment file's periods) and
to people at capacity (open tickets each person held, counted along the log), and away holders' stale tickets
escalated at the first reminder (counted by the replay). Self-contained: one pass over the history's events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.availability import AWAY, CAPACITY, reroute
from baton_itsm.core.rules.policy import Policy


def availability_counts(
    histories: Sequence[Sequence[ToolEvent]], policy: Policy, rule_outcomes: Mapping[str, int]
) -> dict:
    """Assignments of a ticket to a person by someone else (a pull is nobody's request), in time order, checked as
    the rules would have checked a request for that person at that moment."""
    holders: dict[TicketKey, str | None] = {}  # each open ticket's person
    held: Counter = Counter()  # open tickets per person
    rerouted: Counter = Counter()
    events = sorted((e for history in histories for e in history), key=lambda e: e.at)
    availability = replace(policy.availability, held=lambda person: held[person])
    for event in events:
        key, person = event.ticket, event.new_holder.person if event.new_holder else None
        if event.kind is ToolEventKind.RESOLVED or event.kind is ToolEventKind.DELETED:
            _let_go(holders, held, key)
            continue
        if event.new_holder is None:
            continue
        if person is not None and event.actor != person and holders.get(key) != person:
            _let_go(holders, held, key)  # what this ticket holds is not counted against its next holder
            found = reroute(availability, policy.directory, event.new_holder, event.at)
            if found is not None:
                rerouted[f"{found.rule}: {found.outcome}"] += 1
        _let_go(holders, held, key)
        holders[key] = person
        if person is not None:
            held[person] += 1
    return {
        "away_reroutes": rerouted[f"{AWAY}: to-deputy"] + rerouted[f"{AWAY}: to-queue"],
        "away_to_deputy": rerouted[f"{AWAY}: to-deputy"],
        "away_to_queue": rerouted[f"{AWAY}: to-queue"],
        "capacity_reroutes": rerouted[f"{CAPACITY}: to-queue"],
        "away_stale_escalations": rule_outcomes.get(f"{AWAY}: escalated", 0),
    }


def _let_go(holders: dict, held: Counter, key: TicketKey) -> None:
    person = holders.pop(key, None)
    if person is not None:
        held[person] -= 1


def availability_line(result: dict) -> str:
    return (
        f"  availability: {result['away_reroutes']:,} assignments to people away rerouted "
        f"({result['away_to_deputy']:,} to deputies, {result['away_to_queue']:,} to queues), "
        f"{result['capacity_reroutes']:,} to people at capacity sent to the queue, "
        f"{result['away_stale_escalations']:,} stale tickets of away holders escalated at the first reminder"
    )
