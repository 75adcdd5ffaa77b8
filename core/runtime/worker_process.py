"""The workers of `baton run` in a process of their own, beside the web server.

Receiving a delivery (keep it, answer 2xx) is what the tool waits for; handling it (rules, ledger, outbox) and
sending what was decided cost more, and are what the desk waits for. In one process they share one interpreter
lock, so one core: the inbox worker either slowed every acknowledgement or, giving way to the receiver, let a
burst pile up unhandled (a round of 12,744 deliveries kept, 89 handled). In a child process the workers use
another core and handle a burst while it lasts, and the web server keeps its own.

The child builds its own App from the same configuration and store and runs what `baton run --no-http` runs;
it stops after the workers' current rounds when the parent asks (or dies: it checks its parent every second),
and whatever it has not done stays in the store. It ignores SIGINT and SIGTERM, which a terminal or a service
manager sends the whole process group: the parent decides. Its log lines go where the parent's go, formatted the same.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)
STOP_TIMEOUT = 30.0
GROUP_SIGNALS = {signal.SIGINT, signal.SIGTERM}  # what a terminal's Ctrl-C and a service manager's stop send
NICENESS = 10  # added to the workers' process's: under contention the web server gets most of a core


@dataclass(frozen=True)
class ChildSettings:
    """What the child needs to build the same App: plain values, passed to a freshly spawned interpreter."""

    config_path: Path | None
    database_url: str
    log_format: str
    log_level: str
    secret_names: tuple[str, ...]
    idle_seconds: float


class WorkerCount(NamedTuple):
    """A worker's rounds and failed rounds so far, for /metrics."""

    name: str
    rounds: int
    errors: int


class WorkerProcess:
    def __init__(self, settings: ChildSettings):
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or connections copied
        self._stopping = context.Event()
        self._counts, counts = context.Pipe(duplex=False)  # the child's workers' counters, once a second
        self._last: list[WorkerCount] = []
        self._process = context.Process(
            target=_main, args=(settings, self._stopping, os.getpid(), counts), name="baton-workers", daemon=True
        )

    def counters(self) -> list[WorkerCount]:
        """Its workers' counters as it last sent them ([] before the first). Read at least every second or so (the
        supervisor does): a full pipe would hold the child up."""
        try:
            while self._counts.poll():
                self._last = [WorkerCount(*each) for each in self._counts.recv()]
        except (EOFError, OSError):  # it ended: what it sent last stands
            pass
        return self._last

    def start(self) -> None:
        # Blocked while it is made, so the child starts with them blocked (a mask survives fork and exec): a stop
        # signalled to the whole group in its first second waits until it has chosen to ignore them, instead of
        # ending it before it has moved the spool into the inbox.
        if not hasattr(signal, "pthread_sigmask"):  # not POSIX
            self._process.start()
            return
        before = signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
        try:
            self._process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    @property
    def exitcode(self) -> int | None:
        """How it ended (a negative number: the signal that ended it); None while it runs."""
        return self._process.exitcode

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Ask it to stop after its workers' current rounds; True when it did within `timeout`."""
        self._stopping.set()
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()  # a round's transaction rolls back; its work stays in the store
            self._process.join(5)
            return False
        return True


def _main(settings: ChildSettings, stopping, parent: int, counts) -> None:
    from baton_itsm.core.app import build_app
    from baton_itsm.core.runtime.logs import configure_logging
    from baton_itsm.core.runtime.runner import RunOptions, build_workers
    from baton_itsm.core.runtime.workers import WorkerPool

    # Ctrl-C, and a service manager's stop (systemd signals every process of the unit), reach the whole group: the
    # parent says when to stop, once its web server has finished its requests, so the last drain of the spool
    # comes after the last delivery; without a parent the loop below ends within a second. (A handler setting
    # `stopping` here deadlocked: it ran inside `stopping.wait`, whose Condition then waited for itself to wake.)
    for signum in GROUP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_SIGNALS)  # one that came since the start is dropped now
    if hasattr(os, "nice"):
        # Where cores are short, the receiver goes first: the tool waits for its answer (and retries or gives up
        # when it is slow), while handling is asynchronous anyway and catches up as soon as the burst eases.
        os.nice(NICENESS)
    configure_logging(settings.log_format, settings.log_level, settings.secret_names)
    app = build_app(str(settings.config_path) if settings.config_path else None, settings.database_url)
    pool = WorkerPool(build_workers(app, RunOptions(http=False, idle_seconds=settings.idle_seconds)))
    pool.start()
    log.info("baton workers running in process %s: %s", os.getpid(), ", ".join(w.name for w in pool.workers))
    while not stopping.wait(1.0) and os.getppid() == parent:
        _send_counts(counts, pool)
    stopped = pool.stop(STOP_TIMEOUT)
    _send_counts(counts, pool)
    if not stopped:
        log.warning("some workers did not stop within %.0f s; their work stays in the store", STOP_TIMEOUT)
        return
    # The web server stopped first, its requests finished: what it spooled goes into the inbox now, so a stopped
    # service leaves its spool empty (core/store/inbox_spool.py). Unhandled, the deliveries wait for the next start.
    while app.inbox_spool.drain():
        pass


def _send_counts(counts, pool) -> None:
    with contextlib.suppress(OSError):  # the web server's process is gone; the loop sees it
        counts.send([(w.name, w.rounds, w.errors) for w in pool.workers])
