"""Operations endpoints: /healthz (the store, each tool, waiting deliveries) and /metrics (Prometheus text).

/healthz answers 200 when Baton works (`ok`, or `degraded`: deliveries waiting to be retried, e.g. a mail server
refusing Baton's login; the service still takes and keeps work, so a load balancer keeps it) and 503 when it cannot
(the store unreachable, a tool failing, the workers' process not running: core/runtime/worker_supervisor.py),
never 500: every check reports its own failure (core/web/health.py).

Metrics are read from the store at scrape time, so every process sharing a database reports the same queue depths;
each `baton run` adds its own workers' counters (its workers' process's included, sent once a second).
With BATON_METRICS_TOKEN set, /metrics wants it as a bearer token.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from baton_itsm.core.store.inbox_spool import spooled
from baton_itsm.core.store.ops_queries import counts
from baton_itsm.core.web.health import HealthCache, delivery_health, store_health, tool_health
from baton_itsm.core.web.prometheus import Sample, family

log = logging.getLogger(__name__)
METRICS_TOKEN_ENV = "BATON_METRICS_TOKEN"
__all__ = ["HealthCache", "router"]  # HealthCache: the web app makes one per app (core/web/__init__.py)

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    app = request.app.state.baton
    try:
        store = store_health(app)
        tools = tool_health(app, request.app.state.health) if store == "ok" else {}
        deliveries = delivery_health(app) if store == "ok" else {}
    except Exception as error:
        log.exception("/healthz: a check failed unexpectedly")
        return JSONResponse({"status": "failing", "error": type(error).__name__}, status_code=503)
    supervisor = getattr(request.app.state, "worker_process", None)  # only beside a workers' process
    workers = {"workers": supervisor.health} if supervisor is not None else {}
    failing = store != "ok" or any(not state.startswith("ok") for state in (*tools.values(), *workers.values()))
    degraded = any(state.startswith("degraded") for state in deliveries.values())
    status = "failing" if failing else "degraded" if degraded else "ok"
    return JSONResponse(
        {"status": status, "store": store, "tools": tools, "deliveries": deliveries, **workers},
        status_code=503 if failing else 200,
    )


def metrics_token(authorization: Annotated[str | None, Header()] = None) -> None:
    """When BATON_METRICS_TOKEN is set, /metrics answers only to `Authorization: Bearer <it>`."""
    expected = os.environ.get(METRICS_TOKEN_ENV)
    if not expected:
        return
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong metrics token", headers={"WWW-Authenticate": "Bearer"})


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[Depends(metrics_token)])
def metrics(request: Request) -> PlainTextResponse:
    app = request.app.state.baton
    now = app.clock.now()
    lines: list[str] = []
    try:
        with app.store.engine.connect() as connection:
            read = counts(connection, now)
        in_spool = spooled(app.store)
    except Exception as error:  # noqa: BLE001 - a scrape of an unreachable store is a 503, not a 500
        raise HTTPException(503, f"the store cannot be read ({type(error).__name__})") from None
    events, decisions, rows, due, waiting = read.events, read.decisions, read.outbox, read.due, read.waiting
    taken_in, queued, sent = _sums(events, 0), _sums(rows, 0), _sums([r for r in rows if r[1] == "sent"], 0)
    inbox_samples: list[Sample] = [({"source": s, "status": st}, n) for s, st, n in events]
    inbox_samples += [({"source": s, "status": "spooled"}, n) for s, n in in_spool]
    # Counters: rows are kept, and a row never leaves `sent` (nor the inbox, nor the ledger): these only go up.
    family(
        lines,
        "baton_events_total",
        "counter",
        "Tool events and webhook deliveries taken in, by source",
        [({"source": s}, n) for s, n in taken_in.items()],
    )
    family(
        lines,
        "baton_ledger_entries_total",
        "counter",
        "Ledger entries (decisions) written, by type",
        [({"type": t}, n) for t, n in decisions],
    )
    family(
        lines,
        "baton_outbox_queued_total",
        "counter",
        "Tool actions and notifications decided, by channel",
        [({"channel": c}, n) for c, n in queued.items()],
    )
    family(
        lines,
        "baton_outbox_sent_total",
        "counter",
        "Tool actions and notifications done, by channel",
        [({"channel": c}, sent.get(c, 0)) for c in queued],
    )
    # Gauges: how many are in each state now (pending ones go, failed ones can be sent again by hand).
    family(
        lines,
        "baton_inbox_items",
        "gauge",
        "Inbox rows now, by source and status; `spooled`: deliveries kept on SQLite, not yet moved into the inbox",
        inbox_samples,
    )
    family(
        lines,
        "baton_outbox_items",
        "gauge",
        "Outbox rows now, by channel and status (pending, retrying, sending, sent, failed, uncertain)",
        [({"channel": c, "status": "retrying" if r else st}, n) for c, st, r, n in rows],
    )
    family(
        lines,
        "baton_timers",
        "gauge",
        "Live timers, and how many are due now",
        [({"state": "due"}, due), ({"state": "waiting"}, waiting - due)],
    )
    family(
        lines,
        "baton_poll_lag_seconds",
        "gauge",
        "Seconds since each instance's poll checkpoint last moved",
        [({"instance": i}, round((now - at).total_seconds(), 3)) for i, at in _checkpoint_times(app)],
    )
    supervisor = getattr(request.app.state, "worker_process", None)  # the workers' process's, sent each second
    workers = [*getattr(request.app.state, "workers", []), *(supervisor.counters() if supervisor else [])]
    family(
        lines,
        "baton_worker_rounds_total",
        "counter",
        "Rounds each worker of this baton run has run (its workers' process included)",
        [({"worker": w.name}, w.rounds) for w in workers],
    )
    family(
        lines,
        "baton_worker_errors_total",
        "counter",
        "Rounds that failed, by worker (this baton run, its workers' process included)",
        [({"worker": w.name}, w.errors) for w in workers],
    )
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


def _sums(rows, key: int) -> dict[str, int]:
    """Counts summed by the row's `key`-th column (the last column is the count)."""
    sums: dict[str, int] = {}
    for row in rows:
        sums[row[key]] = sums.get(row[key], 0) + row[-1]
    return sums


def _checkpoint_times(app) -> list[tuple[str, object]]:
    checkpoints = getattr(app, "checkpoints", None)
    return checkpoints.updated_times() if checkpoints is not None else []
