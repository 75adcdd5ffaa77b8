"""When the workers' process ends unasked: how long before it is started again, and what /healthz says meanwhile
(core/runtime/worker_supervisor.py). The process here is a stand-in with the five things the supervisor reads;
tests/integration/test_worker_process.py kills a real one under a real `baton run`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from baton_itsm.core.runtime.worker_process import WorkerCount
from baton_itsm.core.runtime.worker_supervisor import WorkerSupervisor, restart_delay


@dataclass
class Process:
    pid: int
    exitcode: int | None = None
    rounds: int = 0

    def counters(self) -> list[WorkerCount]:
        return [WorkerCount("inbox", self.rounds, 1)]

    @property
    def alive(self) -> bool:
        return self.exitcode is None

    def stop(self, timeout: float) -> bool:
        self.exitcode = 0
        return True


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_delay_doubles_while_it_keeps_ending_and_stops_at_a_minute():
    assert [restart_delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_process_that_ends_soon_after_each_start_waits_longer_each_time_and_healthz_says_why():
    clock, started = Clock(), []

    def start() -> Process:
        started.append(Process(pid=100 + len(started)))
        return started[-1]

    supervisor = WorkerSupervisor(start, clock)
    supervisor.start(watch=False)  # the test looks for itself
    assert supervisor.health == "ok"
    for delay in (1, 2, 4):
        started[-1].exitcode = -9  # killed, 5 s after its start
        clock.now += 5
        assert (
            supervisor.health
            == f"failing: the workers' process was killed by signal 9 after 5 s; started again in {delay} s"
        )
        supervisor.check()
        clock.now += delay - 0.5
        supervisor.check()
        assert not started[-1].alive, "not before its delay"
        clock.now += 0.5
        supervisor.check()
        assert started[-1].alive and supervisor.health == "ok"
    assert [p.pid for p in started] == [100, 101, 102, 103]


def test_a_process_that_ran_a_while_is_started_again_after_a_second():
    clock, started = Clock(), []
    supervisor = WorkerSupervisor(lambda: started.append(Process(pid=len(started))) or started[-1], clock)
    supervisor.start(watch=False)
    for ran in (5, 5, 3600):
        started[-1].exitcode = 1
        clock.now += ran
        supervisor.check()
        delay = float(supervisor.health.rsplit(" in ", 1)[1].removesuffix(" s"))
        clock.now += delay
        supervisor.check()
    assert delay == 1, "an hour's run is no crash loop"
    assert supervisor.health == "ok"


def test_stopping_stops_the_process_and_starts_nothing_more():
    clock, started = Clock(), []
    supervisor = WorkerSupervisor(lambda: started.append(Process(pid=len(started))) or started[-1], clock)
    supervisor.start(watch=False)
    assert supervisor.stop() is True and not started[-1].alive
    clock.now += 120
    supervisor.check()
    assert len(started) == 1


def test_the_counters_only_go_up_across_the_processes_it_took():
    clock, started = Clock(), []
    supervisor = WorkerSupervisor(lambda: started.append(Process(pid=len(started))) or started[-1], clock)
    supervisor.start(watch=False)
    started[-1].rounds = 40
    assert supervisor.counters() == [WorkerCount("inbox", 40, 1)]
    started[-1].exitcode = -9
    clock.now += 5
    supervisor.check()
    clock.now += 1
    supervisor.check()  # a new process, counting from 0
    started[-1].rounds = 3
    assert supervisor.counters() == [WorkerCount("inbox", 43, 2)]


def test_a_start_that_fails_is_tried_again_later_and_what_ended_is_counted_once():
    clock, started, failing = Clock(), [], [True]

    def start() -> Process:
        if len(started) == 1 and failing[0]:
            failing[0] = False
            raise OSError("no more processes")
        started.append(Process(pid=len(started), rounds=7))
        return started[-1]

    supervisor = WorkerSupervisor(start, clock)
    supervisor.start(watch=False)
    started[-1].exitcode = -9
    clock.now += 5
    supervisor.check()
    clock.now += 1
    with pytest.raises(OSError):  # the watching thread logs it and looks again
        supervisor.check()
    assert supervisor.health.startswith("failing: the workers' process was killed by signal 9")
    clock.now += 1.5
    supervisor.check()
    assert supervisor.health == "failing: the workers' process was killed by signal 9 after 5 s; started again in 0 s"
    clock.now += 0.5
    supervisor.check()
    assert supervisor.health == "ok" and len(started) == 2
    assert supervisor.counters() == [WorkerCount("inbox", 14, 2)], "the first process's 7 rounds, once"
