"""Operations endpoints: /healthz (the store and each tool reachable) and /metrics (Prometheus text).

Metrics are read from the store at scrape time, so every process sharing a database reports the same
queue depths; each process adds its own workers' counters.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import func, select, text

from baton_itsm.core.errors import BatonError
from baton_itsm.core.store.schema import inbox, ledger_entries, outbox, timers

router = APIRouter(include_in_schema=False)
HEALTH_CACHE_SECONDS = 30.0  # a load balancer probing every second must not hammer the tools


@dataclass
class HealthCache:
    at: float = 0.0
    tools: dict[str, str] = field(default_factory=dict)


def _tool_health(request: Request) -> dict[str, str]:
    app, cache = request.app.state.baton, request.app.state.health
    if time.monotonic() - cache.at > HEALTH_CACHE_SECONDS:
        tools = {}
        for name, connector in app.connectors.items():
            try:
                tools[name] = "ok: " + connector.check()
            except BatonError as error:
                tools[name] = f"failing: {error}"
        cache.tools, cache.at = tools, time.monotonic()
    return cache.tools


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    app = request.app.state.baton
    try:
        with app.store.engine.connect() as connection:
            connection.execute(text("select 1"))
        store = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised: this is the health page
        store = f"failing: {type(error).__name__}"
    tools = _tool_health(request) if store == "ok" else {}
    healthy = store == "ok" and all(v.startswith("ok") for v in tools.values())
    return JSONResponse({"status": "ok" if healthy else "failing", "store": store, "tools": tools},
                        status_code=200 if healthy else 503)


def _metric(lines: list[str], name: str, kind: str, help_text: str, samples: list[tuple[dict, float]]) -> None:
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    app = request.app.state.baton
    now = app.clock.now()
    lines: list[str] = []
    with app.store.engine.connect() as connection:
        events = connection.execute(select(inbox.c.source, inbox.c.status, func.count()).group_by(
            inbox.c.source, inbox.c.status)).all()
        decisions = connection.execute(select(ledger_entries.c.entry_type, func.count()).group_by(
            ledger_entries.c.entry_type)).all()
        retrying = (outbox.c.status == "pending") & (outbox.c.attempts > 0)
        sent = connection.execute(select(outbox.c.channel, outbox.c.status, retrying.label("retrying"), func.count())
                                  .group_by(outbox.c.channel, outbox.c.status, "retrying")).all()
        due = connection.execute(select(func.count()).select_from(timers).where(timers.c.due_at <= now)).scalar_one()
        waiting = connection.execute(select(func.count()).select_from(timers)).scalar_one()
    _metric(lines, "baton_events_total", "counter", "Tool events and webhook deliveries taken in, by status",
            [({"source": s, "status": st}, n) for s, st, n in events])
    _metric(lines, "baton_ledger_entries_total", "counter", "Ledger entries (decisions) written, by type",
            [({"type": t}, n) for t, n in decisions])
    _metric(lines, "baton_outbox_total", "counter", "Tool actions and notifications: sent, failed, pending, retrying",
            [({"channel": c, "status": "retrying" if r else st}, n) for c, st, r, n in sent])
    _metric(lines, "baton_timers", "gauge", "Live timers, and how many are due now",
            [({"state": "due"}, due), ({"state": "waiting"}, waiting - due)])
    _metric(lines, "baton_poll_lag_seconds", "gauge", "Seconds since each instance's poll checkpoint last moved",
            [({"instance": i}, round((now - at).total_seconds(), 3)) for i, at in _checkpoint_times(app)])
    workers = getattr(request.app.state, "workers", [])
    _metric(lines, "baton_worker_rounds_total", "counter", "Rounds each worker of this process has run",
            [({"worker": w.name}, w.rounds) for w in workers])
    _metric(lines, "baton_worker_errors_total", "counter", "Rounds that failed, by worker (this process)",
            [({"worker": w.name}, w.errors) for w in workers])
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


def _checkpoint_times(app) -> list[tuple[str, object]]:
    checkpoints = getattr(app, "checkpoints", None)
    return checkpoints.updated_times() if checkpoints is not None else []
