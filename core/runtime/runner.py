"""`baton run`: the web app (webhooks, links, API, health, metrics) and the workers, in one process, or with the
workers in a process of their own (core/runtime/worker_process.py, `service.worker_process`).

SIGTERM or Ctrl-C stops taking work: uvicorn stops accepting connections and finishes the requests in
flight, each worker finishes the round it is in, and whatever is left stays in the store for the next
start (or for another process sharing the PostgreSQL store).
"""

from __future__ import annotations

import gc
import logging
import signal
from dataclasses import dataclass

from baton_itsm.core.app import App
from baton_itsm.core.runtime import http_server
from baton_itsm.core.runtime.idle_first import IdleFirst
from baton_itsm.core.runtime.inbox_backlog import InboxBacklog
from baton_itsm.core.runtime.worker_process import ChildSettings, WorkerProcess
from baton_itsm.core.runtime.worker_supervisor import WorkerSupervisor
from baton_itsm.core.runtime.workers import Worker, WorkerPool
from baton_itsm.core.settings.loader import secret_variables
from baton_itsm.core.settings.models import ConnectorMode
from baton_itsm.core.store.inbox_spool import spool_path
from baton_itsm.core.usecases.dispatch_lanes import LOCAL_LANE, Lane, lanes_for
from baton_itsm.core.web import create_app

log = logging.getLogger(__name__)
AVAILABILITY_SECONDS = 60.0  # between looks at ICS feeds due a read and people back from leave
# Deliveries per claim of an inbox worker with a process to itself; a claim is handled in a few transactions of up
# to that many (core/usecases/intake_batches.py). The receiver never waits for them: on SQLite it keeps deliveries
# in a spool of its own (core/store/inbox_spool.py).
CLAIM = 200
STOP_CHECK_SECONDS = 0.2  # how soon `baton run --no-http` notices SIGTERM or Ctrl-C


@dataclass(frozen=True)
class RunOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    http: bool = True
    idle_seconds: float = 1.0  # how long a worker that found nothing waits before looking again
    log_format: str = "text"  # for the workers' own process (core/runtime/worker_process.py)
    log_level: str = "INFO"


def workers_in_own_process(app: App, options: RunOptions) -> bool:
    """Whether the workers run in a child process: beside a web server, as configured, by default yes, except on
    a SQLite database that is no file (nothing another process could open, nor a spool beside it)."""
    chosen = app.config.service.worker_process
    sqlite = app.store.engine.dialect.name == "sqlite"
    return options.http and (chosen if chosen is not None else not sqlite or spool_path(app.store) is not None)


def build_workers(app: App, options: RunOptions) -> list[Worker]:
    backlog = InboxBacklog(lambda: app.deliveries.last_arrival if options.http else float("-inf"))
    workers = [
        Worker("inbox", _inbox_round(app, options, backlog), options.idle_seconds),
        Worker("scheduler", lambda: app.scheduler.tick().fired, options.idle_seconds),
        # One dispatcher per destination: a rate-limited tool or a refusing mail server delays only its own rows.
        *(
            Worker(f"dispatch:{lane.name}", _dispatched(app, lane, backlog), options.idle_seconds)
            for lane in lanes_for(app.dispatcher.handlers, app.config.connectors)
        ),
    ]
    for instance, connector in app.config.connectors.items():
        if connector.mode in (ConnectorMode.POLL, ConnectorMode.BOTH):
            workers.append(Worker(f"poll:{instance}", _poll_round(app, instance), connector.poll_interval_seconds))
    workers.append(Worker("availability", lambda: app.availability_round(), AVAILABILITY_SECONDS))
    return workers


def _inbox_round(app: App, options: RunOptions, backlog: InboxBacklog):
    if not options.http:
        return inbox_round(app, backlog)  # no receiver to give way to
    idle_first = IdleFirst(lambda: app.deliveries.last_arrival)  # receiving webhooks comes first

    def round_() -> int:
        limit = idle_first.batch()
        app.inbox_spool.drain()  # left by an earlier run with the workers in their own process
        return backlog.saw(app.intake.process_pending(limit=limit), limit)

    return round_


def inbox_round(app: App, backlog: InboxBacklog | None = None):
    """The inbox worker's round where no receiver shares its process: what the receiver spooled moved into the
    inbox (SQLite, core/store/inbox_spool.py), then one claim, handled at full speed."""
    limit = CLAIM
    backlog = backlog or InboxBacklog(lambda: float("-inf"))  # no receiver: nothing arrives here

    def round_() -> int:
        moved = app.inbox_spool.drain()
        return backlog.saw(app.intake.process_pending(limit=limit), limit) + moved

    return round_


def _dispatched(app: App, lane: Lane, backlog: InboxBacklog):
    local = lane.name == LOCAL_LANE  # routing notices: it gives way to an inbox backlog (core/runtime/inbox_backlog.py)

    def round_() -> int:
        if local and backlog.defers():
            return 0
        report = app.dispatcher.run_once(lane=lane)
        return report.sent + report.failed + report.retrying

    return round_


def _poll_round(app: App, instance: str):
    def round_() -> int:
        report = app.poller.poll(instance)
        if report.error:
            log.warning("%s", report.line())
        return 0  # a poll round always waits its interval: the tool sets the pace, not the backlog

    return round_


def _first_polls(app: App) -> None:
    """Where following a polled tool starts, set before the web server answers: a tool polled for the first time is
    followed from its newest change, and the workers' process takes a second or two to start, so a change made as
    soon as `baton run` is up would have come before that start and been skipped."""
    for instance, connector in app.config.connectors.items():
        if connector.mode in (ConnectorMode.POLL, ConnectorMode.BOTH) and not app.checkpoints.get(
            instance, app.clock.now()
        ):
            report = app.poller.poll(instance)
            if report.error:
                log.warning("%s", report.line())


def _worker_process(app: App, options: RunOptions) -> WorkerSupervisor:
    settings = ChildSettings(
        app.config_path,
        app.database_url,
        options.log_format,
        options.log_level,
        tuple(secret_variables(app.config)),
        options.idle_seconds,
    )

    def start() -> WorkerProcess:
        process = WorkerProcess(settings)
        process.start()
        return process

    supervisor = WorkerSupervisor(start)  # started again if it ends unasked: core/runtime/worker_supervisor.py
    supervisor.start()
    return supervisor


def run(app: App, options: RunOptions) -> None:
    app.store  # noqa: B018 - fail fast on an unreachable or outdated store, before taking any work
    child = workers_in_own_process(app, options)
    app.inbox_spooled = child and spool_path(app.store) is not None
    pool = WorkerPool([] if child else build_workers(app, options))
    # uvicorn hands SIGTERM/SIGINT back to the handler it found once it has shut down: this one, which only notes
    # it, so the graceful stop below always runs and the exit code is 0. (Setting an Event in a signal handler can
    # deadlock with the wait it interrupts: the main thread below looks at the note instead.)
    asked: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _: asked.append(number))
    pool.start()
    if child:
        _first_polls(app)
    workers = _worker_process(app, options) if child else None
    log.info(
        "baton running: %s",
        "the web server; the workers in a process of their own" if child else ", ".join(w.name for w in pool.workers),
    )
    try:
        if options.http:
            web = create_app(app)
            web.state.workers = pool.workers
            web.state.worker_process = workers  # /healthz says when it is not running
            # What start-up built (modules, config, tables, routes) lives as long as the process; the cyclic
            # collector re-scanned all of it in every full collection, a 30-75 ms pause under webhook load.
            gc.collect()
            gc.freeze()
            server = http_server.server(web, options.host, options.port, app.config.service.http)
            server.run()  # returns on SIGTERM / SIGINT, after in-flight requests finish
        else:
            while not asked and not pool.stopping.wait(STOP_CHECK_SECONDS):
                pass
    finally:
        log.info("stopping: workers finish their current round")
        if not pool.stop(timeout=30):
            log.warning("some workers did not stop within 30 s; their work stays in the store")
        if workers is not None and not workers.stop():
            log.warning("the workers' process did not stop within 30 s; their work stays in the store")
        log.info("baton stopped")
