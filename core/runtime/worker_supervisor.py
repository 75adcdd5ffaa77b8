"""Keeping the workers' process running: started again when it ends unasked, and said in /healthz meanwhile.

With the workers in a process of their own (core/runtime/worker_process.py) the web server keeps taking
deliveries whatever becomes of that process. Had it died (a bug, the kernel's OOM killer), deliveries would pile
up unhandled while /healthz said ok. So the web server's process looks at it every second: one that ended without
being asked is logged as an ERROR with how it ended and started again, after 1 s, then 2, 4 ... up to 60 s while
it keeps ending within a minute of its start, so a process that cannot start does not spin. Until it runs again,
/healthz says `failing` (503), with why: an orchestrator may restart the whole service instead of waiting.
Whatever the dead process had claimed is taken again once its lease runs out; nothing of the store is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from baton_itsm.core.runtime.worker_process import STOP_TIMEOUT, WorkerCount, WorkerProcess

log = logging.getLogger(__name__)
CHECK_SECONDS = 1.0
STEADY_SECONDS = 60.0  # a process that ran this long before it ended is started again after the first delay
MOST_DELAY = 60.0


def restart_delay(ended_in_a_row: int) -> float:
    """Seconds before starting it again after it ended `ended_in_a_row` times, each soon after its start."""
    return min(MOST_DELAY, 2.0 ** (ended_in_a_row - 1))


class WorkerSupervisor:
    def __init__(self, start: Callable[[], WorkerProcess], clock: Callable[[], float] = time.monotonic):
        self._start = start  # makes and starts a new workers' process
        self._clock = clock
        self._process: WorkerProcess | None = None
        self._started_at = 0.0
        self._ended_in_a_row = 0
        self._restart_at: float | None = None
        self._last_end = ""
        self._carried: dict[str, tuple[int, int]] = {}  # counters of the processes that ended: they only go up
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="baton-workers-watch", daemon=True)

    def start(self, watch: bool = True) -> None:
        """Start the process, and (unless a test looks for itself with `check`) the thread that looks after it."""
        self._launch()
        if watch:
            self._thread.start()

    @property
    def health(self) -> str:
        """`ok`, or `failing: ...` with how the process ended and when it is started again."""
        with self._lock:
            if self._process is None or self._process.alive:
                return "ok" if self._process is not None else "failing: the workers' process is not started"
            now = self._clock()
            self._note_end_locked(now)
            when = max(0.0, (self._restart_at or now) - now)
            return f"failing: the workers' process {self._last_end}; started again in {when:.0f} s"

    def counters(self) -> list[WorkerCount]:
        """Each worker's rounds and errors since `baton run` started, across the processes it took."""
        with self._lock:
            current = self._process.counters() if self._process is not None else []
            return _added(self._carried, current)

    def check(self) -> None:
        """One look: note a process that ended, start a new one when its delay has passed."""
        with self._lock:
            if self._stopping.is_set() or self._process is None:
                return
            now = self._clock()
            self._process.counters()  # read often: the child's pipe never fills
            self._note_end_locked(now)
            if self._restart_at is not None and now >= self._restart_at:
                self._launch_locked()

    def _note_end_locked(self, now: float) -> None:
        """Once per ending: how it ended, logged, and when it is started again."""
        if self._process is None or self._restart_at is not None or self._process.alive:
            return
        self._carried = {c.name: (c.rounds, c.errors) for c in _added(self._carried, self._process.counters())}
        ran = now - self._started_at
        self._ended_in_a_row = 1 if ran >= STEADY_SECONDS else self._ended_in_a_row + 1
        self._last_end = _ended(self._process.exitcode, ran)
        self._restart_at = now + restart_delay(self._ended_in_a_row)
        log.error(
            "the workers' process (pid %s) %s; starting it again in %.0f s",
            self._process.pid,
            self._last_end,
            self._restart_at - now,
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop watching, then ask the process to stop after its current rounds; True when it did in time."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(CHECK_SECONDS * 5)
        with self._lock:
            process = self._process
        return process is None or not process.alive or process.stop(timeout)

    def _watch(self) -> None:
        while not self._stopping.wait(CHECK_SECONDS):
            try:
                self.check()
            except Exception:  # the watch must outlive a failed start; the next look tries again
                log.exception("starting the workers' process again failed")

    def _launch(self) -> None:
        with self._lock:
            self._launch_locked()

    def _launch_locked(self) -> None:
        started_at = self._clock()
        try:
            process = self._start()
        except Exception:
            if self._process is None:
                raise  # the first start: `baton run` cannot run, and says why
            self._ended_in_a_row += 1  # tried again after the next delay; what ended is counted once
            self._restart_at = started_at + restart_delay(self._ended_in_a_row)
            raise
        self._process, self._started_at, self._restart_at = process, started_at, None
        if self._ended_in_a_row:
            log.warning("the workers' process started again (pid %s)", process.pid)


def _ended(exitcode: int | None, ran: float) -> str:
    how = f"was killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exited ({exitcode})"
    return f"{how} after {ran:.0f} s"


def _added(carried: dict[str, tuple[int, int]], current: list[WorkerCount]) -> list[WorkerCount]:
    totals = dict(carried)
    for count in current:
        rounds, errors = totals.get(count.name, (0, 0))
        totals[count.name] = (rounds + count.rounds, errors + count.errors)
    return [WorkerCount(name, rounds, errors) for name, (rounds, errors) in totals.items()]
