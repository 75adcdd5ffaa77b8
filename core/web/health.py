"""What /healthz reports: the store, each tool, and the deliveries waiting to be retried.

Every check answers a line of text, never an exception: a part that cannot even be built (a connector whose options
are wrong, a store at the wrong schema) is reported as failing, so the health page itself never fails. A message is
shown when it is Baton's own (meant for people, free of credentials); otherwise only the error's type.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from baton_itsm.core.errors import BatonError
from baton_itsm.core.store.ops_queries import ping, retried_rows
from baton_itsm.core.usecases.dispatch_lanes import TOOL

HEALTH_CACHE_SECONDS = 30.0  # a load balancer probing every second must not hammer the tools
RETRIED_ROWS_READ = 1000  # enough to count what waits; a bigger backlog is said as "1000 or more"


@dataclass
class HealthCache:
    at: float = 0.0
    tools: dict[str, str] = field(default_factory=dict)


def said(error: Exception) -> str:
    """An error as the health page may show it."""
    return str(error).splitlines()[0] if isinstance(error, BatonError) and str(error) else type(error).__name__


def store_health(app) -> str:
    try:
        with app.store.engine.connect() as connection:
            ping(connection)
    except Exception as error:  # noqa: BLE001 - reported, not raised: this is the health page
        return f"failing: {type(error).__name__}"
    return "ok"


def tool_health(app, cache: HealthCache) -> dict[str, str]:
    if time.monotonic() - cache.at > HEALTH_CACHE_SECONDS:
        try:
            connectors = app.connectors
        except Exception as error:  # noqa: BLE001 - a connector that cannot be built is a failing tool
            cache.tools = {"connectors": f"failing: cannot be built: {said(error)} (see `baton check`)"}
        else:
            cache.tools = {name: _checked(connector) for name, connector in connectors.items()}
        cache.at = time.monotonic()
    return cache.tools


def _checked(connector) -> str:
    try:
        return "ok: " + connector.check()
    except Exception as error:  # noqa: BLE001 - whatever check() raises, the tool is failing
        return f"failing: {said(error)}"


def delivery_health(app) -> dict[str, str]:
    """Each destination with rows waiting to be retried, as `degraded: ...` (and `email: ok` when it has none): a
    mail server refusing Baton's login, a rate-limited tool. Read from the store, so every process says the same."""
    with app.store.engine.connect() as connection:
        rows = retried_rows(connection, RETRIED_ROWS_READ)
    waiting: dict[str, list[str]] = {}
    for channel, instance, error in rows:
        name = f"{TOOL}:{instance}" if channel == TOOL else channel
        waiting.setdefault(name, []).append(error or "")
    states = {name: _degraded(errors) for name, errors in sorted(waiting.items())}
    if "email" in _notifiers(app):
        states.setdefault("email", "ok")
    return states


def _degraded(errors: list[str]) -> str:
    count = f"{len(errors)} or more" if len(errors) >= RETRIED_ROWS_READ else str(len(errors))
    newest = errors[0].splitlines()[0] if errors[0] else "no error recorded"
    return f"degraded: {count} waiting to be retried; last error: {newest}"


def _notifiers(app) -> set[str]:
    return set(app.config.notifier_names())
