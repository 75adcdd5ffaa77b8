"""The inbox worker in a process of its own, beside the web server of `baton run`.

Receiving a delivery (keep it, answer 2xx) is what the tool waits for; handling it (rules, ledger, outbox) costs
more, and is what the desk waits for. In one process both share one interpreter lock, so one core: the worker
either slowed every acknowledgement or, giving way to the receiver, let a burst pile up unhandled. In a child
process it uses another core, handles at full speed while the burst lasts, and the receiver keeps its own.

The child builds its own App from the same configuration and store and runs only the inbox worker; it stops
after its current round when the parent asks (or dies: it checks its parent between rounds), and whatever it
has not handled stays in the store. Its log lines go where the parent's go, formatted the same way.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from baton_itsm.core.service.workers import Worker

log = logging.getLogger(__name__)
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class ChildSettings:
    """What the child needs to build the same App: plain values, passed to a freshly spawned interpreter."""

    config_path: Path | None
    database_url: str
    log_format: str
    log_level: str
    secret_names: tuple[str, ...]
    idle_seconds: float


class InboxProcess:
    def __init__(self, settings: ChildSettings):
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or connections copied
        self._stopping = context.Event()
        self._process = context.Process(target=_main, args=(settings, self._stopping, os.getpid()),
                                        name="baton-inbox", daemon=True)

    def start(self) -> None:
        self._process.start()
        log.info("inbox worker started in its own process (pid %s)", self._process.pid)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Ask it to stop after its current round; True when it did within `timeout`."""
        self._stopping.set()
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()  # its round's transaction rolls back; the deliveries stay pending
            self._process.join(5)
            return False
        return True


def _main(settings: ChildSettings, stopping, parent: int) -> None:
    from baton_itsm.core.app import build_app
    from baton_itsm.core.service.logs import configure_logging
    from baton_itsm.core.service.runner import inbox_round

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent says when to stop
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    configure_logging(settings.log_format, settings.log_level, settings.secret_names)
    app = build_app(str(settings.config_path) if settings.config_path else None, settings.database_url)
    worker = Worker("inbox", inbox_round(app), settings.idle_seconds)
    log.info("inbox worker process %s started", os.getpid())
    while not stopping.is_set() and os.getppid() == parent:
        if worker.run_once() == 0:
            stopping.wait(worker.interval)
    log.info("inbox worker process stopped after %d rounds (%d deliveries)", worker.rounds, worker.handled)
