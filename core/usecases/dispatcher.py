"""The outbox dispatcher: performs decided tool actions and notifications, with retries.

Rows are claimed under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), so several processes can share
one outbox and a dead process's claims come back when the lease runs out.

Delivery is two-phase: a row is marked `sending` (committed) before its handler runs and `sent` after.
A process killed in between leaves a `sending` row whose outcome nobody knows. A repeatable action
(setting a holder, which checks the holder it expects; routing a notice into email rows keyed by
Message-ID) goes back to `pending` and is done again harmlessly. An action that must never happen
twice (an email, a note) becomes `uncertain`: it is not resent by itself, it is counted in /metrics,
and `baton outbox retry` sends it again once someone has checked.

Nothing here waits for a destination. A row that cannot go now (a tool's 429, a mail server refusing Baton's login)
gets the time of its next attempt stored on it, and the worker goes on with other rows. When the destination
itself asked for a pause (a rate limit, Retry-After, a refusal of Baton's account), the other waiting rows of that
destination are moved to the same time, so they wait too instead of each being refused in turn. Each destination
has its own lane (core/usecases/dispatch_lanes.py): `baton run` gives every lane its own worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from baton_itsm.core.clock import Clock
from baton_itsm.core.errors import ToolError
from baton_itsm.core.runtime.no_waiting import without_waiting
from baton_itsm.core.store import outbox_queries
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.dispatch_lanes import TOOL, Lane, everything

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime | None = None


Handler = Callable[[OutboxItem], None]
FailureHandler = Callable[[OutboxItem, Exception], None]


class AtMostOnce:
    """Wraps a handler whose action must never be done twice (sending an email)."""

    def __init__(self, handler: Handler):
        self.handler = handler

    def __call__(self, item: OutboxItem) -> None:
        self.handler(item)

    def repeatable(self, item: OutboxItem) -> bool:
        return False


def is_repeatable(handler: Handler, item: OutboxItem) -> bool:
    """Whether doing `item` again after an unknown outcome is harmless (handlers say so; default yes)."""
    repeatable = getattr(handler, "repeatable", None)
    return True if repeatable is None else bool(repeatable(item))


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)
    # Failed for good, each recorded against its decision and told (core/usecases/action_failures.py): handled, not
    # lost.
    handled: int = 0


def backoff(attempts: int, base: float = 5.0, cap: float = 900.0) -> timedelta:
    """5 s, 10 s, 20 s ... capped at 15 minutes."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class OutboxDispatcher:
    store: Store
    handlers: Mapping[str, Handler]
    clock: Clock
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 20  # about 4 hours of retries with the default backoff
    on_failed: FailureHandler | None = None  # records and tells a failure for good (core/usecases/action_failures.py)
    # Destinations that asked to wait, until when: a row queued for one meanwhile waits without asking it again.
    _paused: dict[tuple[str, str | None], datetime] = field(default_factory=dict, init=False, repr=False)

    def run_once(self, limit: int = 100, passes: int = 3, lane: Lane | None = None) -> DispatchReport:
        """Deliver what is due (in `lane` only, when given). A tool action a delivery queues in turn (the note a write
        posts once done, a failed write's note) goes out in the same run: up to `passes` claims of tool rows while
        the last claim did something. Emails a notice was routed into wait for the next run, as they always did."""
        lane = lane or everything(self.handlers)
        report = DispatchReport()
        self._recover_interrupted(report, lane)
        for number in range(passes):
            sent_before = report.sent + report.failed
            channels = lane.channels if number == 0 else lane.channels & {TOOL}
            for item in self._claim(limit, [c for c in channels if c in self.handlers], lane):
                if self._waits_for_its_destination(item):
                    continue
                if self._begin(item):
                    self._deliver(item, report)
            if report.sent + report.failed == sent_before:
                break
        return report

    def _recover_interrupted(self, report: DispatchReport, lane: Lane) -> None:
        """Rows left `sending` by a process that died: repeat what is repeatable, park the rest."""
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            for row in outbox_queries.interrupted(uow.connection, now, self.handlers, lane):
                item = OutboxItem(**row._mapping)
                if is_repeatable(self.handlers[item.channel], item):
                    status, error = "pending", "interrupted; repeated (a repeat is harmless)"
                else:
                    status, error = (
                        "uncertain",
                        (
                            "interrupted while sending: it may or may not have gone out; "
                            "not resent automatically (baton outbox retry resends it)"
                        ),
                    )
                    report.uncertain += 1
                outbox_queries.settle_interrupted(uow.connection, item.id, status, error)

    def _begin(self, item: OutboxItem) -> bool:
        """Mark the row `sending` (committed) before its action; False if it is no longer ours, or no longer due (its
        destination was paused since it was claimed)."""
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            return outbox_queries.begin_sending(uow.connection, item.id, item.attempts + 1, now, self.lease)

    def _claim(self, limit: int, channels: list[str] | None = None, lane: Lane | None = None) -> list[OutboxItem]:
        channels = list(self.handlers) if channels is None else channels
        lane = lane or everything(channels)
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            claimed = outbox_queries.claim_due(uow.connection, now, self.lease, channels, lane, limit)
        return [OutboxItem(**row._mapping) for row in claimed]

    def _deliver(self, item: OutboxItem, report: DispatchReport) -> None:
        attempts = item.attempts + 1
        try:
            with without_waiting():  # a retry is a time stored on the row, never a sleep in this worker
                self.handlers[item.channel](item)
        except Exception as error:  # noqa: BLE001 - every failure is recorded on the row, none is lost
            message = f"{type(error).__name__}: {error}"
            report.errors.append(f"{item.idempotency_key}: {message}")
            if self._tries_again(item, attempts, error):
                delay = backoff(attempts)
                retry_after = getattr(error, "retry_after", None)
                if retry_after:
                    delay = max(delay, timedelta(seconds=retry_after))
                next_attempt_at = self.clock.now() + delay
                self._finish(
                    item, status="pending", attempts=attempts, last_error=message, next_attempt_at=next_attempt_at
                )
                if retry_after or getattr(error, "pauses_destination", False):
                    self._pause_destination(item, next_attempt_at)
                report.retrying += 1
            else:
                self._finish(item, status="failed", attempts=attempts, last_error=message)
                report.failed += 1
                if self.on_failed is not None:
                    try:
                        self.on_failed(item, error)
                        report.handled += 1
                    except Exception:
                        log.exception("%s failed, and recording its failure failed too", item.idempotency_key)
            return
        self._finish(item, status="sent", attempts=attempts, sent_at=self.clock.now(), last_error=None)
        report.sent += 1

    def _tries_again(self, item: OutboxItem, attempts: int, error: Exception) -> bool:
        """A retryable failure is tried again up to `max_attempts`; one that says how long it may be retried for
        (a mail server refusing Baton's login: until an admin fixes it) for that long after the row was queued."""
        if isinstance(error, ToolError) and not error.retryable:
            return False
        window = getattr(error, "keep_trying_for", None)
        if window is not None and item.created_at is not None:
            return self.clock.now() < item.created_at + window
        return attempts < self.max_attempts

    def _waits_for_its_destination(self, item: OutboxItem) -> bool:
        """A row queued after its destination asked to wait: moved to the end of the pause, not tried now."""
        until = self._paused.get(_destination(item))
        if until is None or until <= self.clock.now():
            return False
        with self.store.unit_of_work(self.clock.now()) as uow:
            outbox_queries.postpone(uow.connection, item.id, until)
        return True

    def _pause_destination(self, item: OutboxItem, until: datetime) -> None:
        """The destination asked to wait: its other waiting rows wait as long, unclaimed, so whoever claimed them
        meanwhile finds them no longer due (`_begin`) and any process takes them once they are."""
        channel, instance = _destination(item)
        self._paused[(channel, instance)] = until
        try:
            with self.store.unit_of_work(self.clock.now()) as uow:
                outbox_queries.postpone_destination(uow.connection, item.id, channel, instance, until)
        except Exception:
            log.warning("could not move the other rows of %s %s to %s", channel, instance or "", until, exc_info=True)

    def _finish(self, item: OutboxItem, **values: Any) -> None:
        with self.store.unit_of_work(self.clock.now()) as uow:
            outbox_queries.finish(uow.connection, item.id, **values)


def _destination(item: OutboxItem) -> tuple[str, str | None]:
    """Where a row goes: its channel, and for a tool action the instance."""
    return item.channel, (item.payload.get("instance") if item.channel == TOOL else None)
