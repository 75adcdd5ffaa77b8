"""How many deliveries the inbox worker claims at a time: as many as keep one round's transactions short.

Handling many deliveries per transaction is what lets the worker keep up with a burst (core/intake_batches.py),
but on SQLite a transaction holds the store's one write lock, which the webhook receiver needs to keep each
delivery before it answers: a round of 500 deliveries held it for half a second, and every acknowledgement
waited. So the claim is sized from what handling has cost lately, for a round of about `target` seconds: a few
tens of deliveries on SQLite. A server store (PostgreSQL) has no such lock and takes larger claims, whose
transactions other processes do not wait for.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

TARGET_SECONDS = {"sqlite": 0.01}  # one round's length; the receiver may wait this long for the write lock
SERVER_TARGET = 0.1
MAX_LIMIT = 500
SMOOTHING = 0.3  # the weight of the latest round in the estimate of a delivery's cost


@dataclass
class _Round:
    handled: int = 0


@dataclass
class RoundSize:
    dialect: str
    clock: Callable[[], float] = time.monotonic
    per_delivery: float = 0.002  # seconds, until rounds have been measured
    target: float = field(init=False)

    def __post_init__(self) -> None:
        self.target = TARGET_SECONDS.get(self.dialect, SERVER_TARGET)

    def limit(self) -> int:
        return max(1, min(MAX_LIMIT, int(self.target / self.per_delivery)))

    @contextmanager
    def timed(self) -> Iterator[_Round]:
        """Time one round; set `.handled` on what it yields so the estimate learns from it."""
        started, report = self.clock(), _Round()
        yield report
        if report.handled:
            cost = (self.clock() - started) / report.handled
            self.per_delivery += SMOOTHING * (cost - self.per_delivery)
