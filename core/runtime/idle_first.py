"""Handling webhook deliveries gives way to receiving them, where both share one process (by default on SQLite:
with the workers in a process of their own, core/runtime/worker_process.py, the worker needs no such care).

Receiving a delivery (keeping it, then answering 2xx) is what the tool waits for; handling it (rules,
ledger, outbox) is not, and costs several times more. Both run in `baton run`'s one process and share
its interpreter lock and SQLite's one writer, so an inbox worker handling flat out during a burst slows
every acknowledgement (it did: a quarter of the rate, p99 near 100 ms).

So the inbox worker handles deliveries while the receiver is idle: before each round it waits until no
delivery has arrived for `quiet` seconds. While deliveries are arriving, a round is one delivery (a few
milliseconds), so a new one never waits behind a long round; after a `calm` second without any, rounds
take the usual batch. When deliveries keep coming with no such gap (a burst that saturates the
receiver), it still handles one delivery every `patience` seconds, so handling never stops; the rest
waits in the inbox, durable, and is handled at full speed as soon as the burst eases. At ordinary rates
the gaps are long enough and handling keeps up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

QUIET = 0.02  # seconds without a delivery after which the receiver counts as idle for one delivery
CALM = 1.0  # seconds without a delivery after which rounds take the usual batch again
PATIENCE = 0.1  # the longest handling waits for an idle moment before taking one delivery anyway
CALM_BATCH = 100  # deliveries per round when calm (Intake.process_pending's default)


@dataclass
class IdleFirst:
    last_arrival: Callable[[], float]  # monotonic time of the latest delivery received
    quiet: float = QUIET
    calm: float = CALM
    patience: float = PATIENCE
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def wait(self) -> bool:
        """Wait until the receiver is idle: True when it is, False when patience ran out first."""
        started = self.clock()
        while True:
            now = self.clock()
            idle_for = now - self.last_arrival()
            if idle_for >= self.quiet:
                return True
            if now - started >= self.patience:
                return False
            self.sleep(max(0.001, min(self.quiet - idle_for, started + self.patience - now)))

    def batch(self) -> int:
        """Wait for an idle moment (or patience), then say how many deliveries the next round may handle."""
        self.wait()
        return CALM_BATCH if self.clock() - self.last_arrival() >= self.calm else 1
