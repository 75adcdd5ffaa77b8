"""The outbox dispatcher: performs decided tool actions and notifications, with retries.

Rows are claimed under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), so several processes can share
one outbox and a dead process's claims come back when the lease runs out.

Delivery is two-phase: a row is marked `sending` (committed) before its handler runs and `sent` after.
A process killed in between leaves a `sending` row whose outcome nobody knows. A repeatable action
(setting a holder, which checks the holder it expects; routing a notice into email rows keyed by
Message-ID) goes back to `pending` and is done again harmlessly. An action that must never happen
twice (an email, a note) becomes `uncertain`: it is not resent by itself, it is counted in /metrics,
and `baton outbox retry` sends it again once someone has checked.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from baton_itsm.core.clock import Clock
from baton_itsm.core.errors import ToolError
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.store.unit_of_work import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    channel: str
    payload: dict[str, Any]
    attempts: int


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
    # Failed for good, each recorded against its decision and told (core/action_failures.py): handled, not lost.
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
    on_failed: FailureHandler | None = None  # records and tells a failure for good (core/action_failures.py)

    def run_once(self, limit: int = 100, passes: int = 3) -> DispatchReport:
        """Deliver what is due. A tool action a delivery queues in turn (the note a write posts once done, a failed
        write's note) goes out in the same run: up to `passes` claims of tool rows while the last claim did something.
        Emails a notice was routed into wait for the next run, as they always did."""
        report = DispatchReport()
        self._recover_interrupted(report)
        for number in range(passes):
            sent_before = report.sent + report.failed
            channels = list(self.handlers) if number == 0 else [c for c in ("tool",) if c in self.handlers]
            for item in self._claim(limit, channels):
                if self._begin(item):
                    self._deliver(item, report)
            if report.sent + report.failed == sent_before:
                break
        return report

    def _recover_interrupted(self, report: DispatchReport) -> None:
        """Rows left `sending` by a process that died: repeat what is repeatable, park the rest."""
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            query = (select(outbox.c.id, outbox.c.idempotency_key, outbox.c.channel, outbox.c.payload,
                            outbox.c.attempts)
                     .where(outbox.c.status == "sending", outbox.c.claimed_until < now,
                            outbox.c.channel.in_(list(self.handlers))))
            if uow.connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for row in uow.connection.execute(query).all():
                item = OutboxItem(*row)
                if is_repeatable(self.handlers[item.channel], item):
                    status, error = "pending", "interrupted; repeated (a repeat is harmless)"
                else:
                    status, error = "uncertain", ("interrupted while sending: it may or may not have gone out; "
                                                  "not resent automatically (baton outbox retry resends it)")
                    report.uncertain += 1
                uow.connection.execute(update(outbox).where(outbox.c.id == item.id).values(
                    status=status, claimed_until=None, last_error=error))

    def _begin(self, item: OutboxItem) -> bool:
        """Mark the row `sending` (committed) before its action; False if it is no longer ours."""
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            began = uow.connection.execute(
                update(outbox).where(outbox.c.id == item.id, outbox.c.status == "pending")
                .values(status="sending", attempts=item.attempts + 1, claimed_until=now + self.lease))
            return began.rowcount == 1

    def _claim(self, limit: int, channels: list[str] | None = None) -> list[OutboxItem]:
        channels = list(self.handlers) if channels is None else channels
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            connection = uow.connection
            query = (select(outbox.c.id, outbox.c.idempotency_key, outbox.c.channel, outbox.c.payload,
                            outbox.c.attempts)
                     .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now,
                            outbox.c.channel.in_(channels),
                            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
                     .order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit))
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            items = [OutboxItem(*row) for row in connection.execute(query)]
            if items:
                connection.execute(update(outbox).where(outbox.c.id.in_([i.id for i in items]))
                                   .values(claimed_until=now + self.lease))
        return items

    def _deliver(self, item: OutboxItem, report: DispatchReport) -> None:
        attempts = item.attempts + 1
        try:
            self.handlers[item.channel](item)
        except Exception as error:  # noqa: BLE001 - every failure is recorded on the row, none is lost
            retryable = error.retryable if isinstance(error, ToolError) else True
            message = f"{type(error).__name__}: {error}"
            report.errors.append(f"{item.idempotency_key}: {message}")
            if retryable and attempts < self.max_attempts:
                delay = backoff(attempts)
                retry_after = getattr(error, "retry_after", None)
                if retry_after:
                    delay = max(delay, timedelta(seconds=retry_after))
                self._finish(item, status="pending", attempts=attempts, last_error=message,
                             next_attempt_at=self.clock.now() + delay)
                report.retrying += 1
            else:
                self._finish(item, status="failed", attempts=attempts, last_error=message)
                report.failed += 1
                if self.on_failed is not None:
                    try:
                        self.on_failed(item, error)
                        report.handled += 1
                    except Exception:  # noqa: BLE001 - the row stays failed and listed; this is said loudly
                        log.exception("%s failed, and recording its failure failed too", item.idempotency_key)
            return
        self._finish(item, status="sent", attempts=attempts, sent_at=self.clock.now(), last_error=None)
        report.sent += 1

    def _finish(self, item: OutboxItem, **values: Any) -> None:
        with self.store.unit_of_work(self.clock.now()) as uow:
            uow.connection.execute(update(outbox).where(and_(outbox.c.id == item.id, outbox.c.status == "sending"))
                                   .values(claimed_until=None, **values))
