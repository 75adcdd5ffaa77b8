"""The inbox worker gives way to the webhook receiver (core/runtime/idle_first.py), on a fake clock."""

from __future__ import annotations

from baton_itsm.core.runtime.idle_first import CALM_BATCH, IdleFirst


class FakeTime:
    """Monotonic time that moves only when slept; deliveries arrive at the given moments."""

    def __init__(self, arrivals: list[float]):
        self.now, self.arrivals, self.slept = 100.0, arrivals, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def last_arrival(self) -> float:
        return max((t for t in self.arrivals if t <= self.now), default=float("-inf"))


def idle_first(time: FakeTime) -> IdleFirst:
    return IdleFirst(time.last_arrival, quiet=0.02, calm=1.0, patience=0.1, clock=time.clock, sleep=time.sleep)


def test_with_no_delivery_for_a_while_a_round_takes_the_usual_batch_at_once():
    time = FakeTime([98.0])
    assert idle_first(time).batch() == CALM_BATCH and time.slept == []


def test_while_deliveries_arrive_a_round_waits_for_a_quiet_moment_and_takes_one():
    time = FakeTime([99.99, 100.0, 100.01])  # the last one at 100.01: quiet from 100.03
    assert idle_first(time).batch() == 1
    assert 100.03 <= time.now < 100.04


def test_a_burst_without_a_quiet_moment_still_lets_one_through_after_patience():
    time = FakeTime([100.0 + i * 0.001 for i in range(1000)])  # one a millisecond, for a second
    assert idle_first(time).wait() is False
    assert 100.1 <= time.now < 100.11
    assert idle_first(time).batch() == 1
