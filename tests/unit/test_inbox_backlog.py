"""Routing notices gives way to a webhook burst and to the inbox backlog it leaves, one round every 5 s at most,
and goes flat out again once both are over (core/runtime/inbox_backlog.py)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from baton_itsm.core.runtime.inbox_backlog import InboxBacklog
from baton_itsm.core.runtime.runner import inbox_round


@dataclass
class Round:
    new: int
    claimed: int


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def backlog(clock: Clock, last_arrival: float = float("-inf")) -> InboxBacklog:
    arrival = [last_arrival]
    made = InboxBacklog(lambda: arrival[0], clock=clock)
    made.arrived = lambda: arrival.__setitem__(0, clock.now)  # type: ignore[attr-defined]
    return made


def test_with_nothing_arriving_and_rounds_not_full_routing_never_waits():
    clock = Clock()
    lane = backlog(clock)
    assert lane.saw(Round(new=3, claimed=3), limit=100) == 3
    assert [lane.defers() for _ in range(3)] == [False, False, False]


def test_full_rounds_let_routing_go_once_every_five_seconds():
    clock = Clock()
    lane = backlog(clock)
    lane.saw(Round(new=100, claimed=100), limit=100)
    assert lane.defers() is False  # the first round goes: routing never starves
    clock.now += 4.9
    assert lane.defers() is True
    clock.now += 0.1
    assert lane.defers() is False
    assert lane.defers() is True
    lane.saw(Round(new=40, claimed=40), limit=100)  # the backlog is gone
    assert lane.defers() is False and lane.defers() is False


def test_deliveries_arriving_count_as_busy_until_a_second_passes_without_one():
    clock = Clock()
    lane = backlog(clock)
    lane.defers()  # routed at 100.0
    lane.arrived()
    clock.now += 0.5
    lane.saw(Round(new=0, claimed=0), limit=1)  # a round during the burst that found its delivery settling
    assert lane.defers() is True
    clock.now += 0.6  # 1.1 s since the last delivery
    assert lane.defers() is False


def test_an_inbox_round_without_a_backlog_given_counts_as_one_with_no_receiver():
    # inbox_round's default backlog was made without its one required argument: a TypeError on the first call
    claims = []

    def process_pending(limit: int) -> Round:
        claims.append(limit)
        return Round(new=2, claimed=2)

    app = SimpleNamespace(
        store=SimpleNamespace(engine=SimpleNamespace(dialect=SimpleNamespace(name="sqlite"))),
        intake=SimpleNamespace(process_pending=process_pending),
        inbox_spool=SimpleNamespace(drain=lambda: 0),
    )
    round_ = inbox_round(app)  # type: ignore[arg-type]  # the attributes a round reads, not a whole App
    assert round_() == 2 and len(claims) == 1
