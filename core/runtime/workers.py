"""Background workers: each does one round of its work per call and says how much it did.

The runner calls a worker again at once while it finds work, and waits its interval when it finds
none, so a busy service drains its queues and an idle one costs nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class Worker:
    name: str
    round: Callable[[], int]  # does one round; returns how many items it handled
    interval: float = 1.0  # seconds to wait when a round found nothing to do
    rounds: int = 0
    handled: int = 0
    errors: int = 0

    def run_once(self) -> int:
        try:
            done = self.round()
        except Exception:  # a failing round is logged and tried again; the worker lives on
            self.errors += 1
            log.exception("worker %s: round failed; trying again in %.1fs", self.name, self.interval)
            return 0
        self.rounds += 1
        self.handled += done
        return done


@dataclass
class WorkerPool:
    """Runs workers in threads until `stop()`; a round in progress always finishes (graceful shutdown)."""

    workers: list[Worker]
    stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(target=self._loop, args=(worker,), name=f"baton-{worker.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask the workers to stop after their current round; True when all did within `timeout`."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def _loop(self, worker: Worker) -> None:
        log.info("worker %s started", worker.name)
        while not self.stopping.is_set():
            if worker.run_once() == 0:
                self.stopping.wait(worker.interval)
        log.info("worker %s stopped after %d rounds", worker.name, worker.rounds)
