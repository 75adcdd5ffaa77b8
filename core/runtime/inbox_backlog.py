"""Routing notices gives way to handling deliveries while the inbox has a backlog (a webhook burst).

Handling a delivery commits its decisions: the ledger entries, the tool actions and the notices, as outbox rows.
Routing a notice (rendering it per recipient, joining the requester's digest) only turns one of those rows into
email rows, and in `baton run`'s one process it competes with the handling for the interpreter and for SQLite's
one writer: measured during a 10,000-delivery burst, routing took 56 % of the process and handling 23 %. Emails
are not what a burst waits for (requester updates are coalesced over minutes anyway), the decisions are; so while
deliveries keep arriving or the inbox worker's rounds come back full, the local lane routes one round every
`patience` seconds instead of flat out, and goes back to full speed once neither holds. Tool actions (a revert, a
note) are not held back: they have lanes of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

PATIENCE = 5.0  # seconds: during a backlog, the longest routing waits between rounds
ARRIVING = 1.0  # seconds since the last delivery within which deliveries count as still arriving


class Round(Protocol):
    new: int  # deliveries handled
    claimed: int  # deliveries taken


@dataclass
class InboxBacklog:
    last_arrival: Callable[[], float]  # monotonic time of the latest delivery received (-inf: no receiver)
    patience: float = PATIENCE
    clock: Callable[[], float] = time.monotonic
    _full: bool = False  # the inbox worker's last round took as many as it could
    _last_routed: float = float("-inf")

    def saw(self, report: Round, limit: int) -> int:
        """Called with each inbox round's report and claim size; gives the count handled back."""
        self._full = report.claimed >= limit
        return report.new

    def defers(self) -> bool:
        """Whether the local lane waits this round (it still goes once every `patience` seconds)."""
        now = self.clock()
        busy = self._full or now - self.last_arrival() < ARRIVING
        if not busy or now - self._last_routed >= self.patience:
            self._last_routed = now
            return False
        return True
