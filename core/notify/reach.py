"""`baton check` reaches the servers the notifiers in use send through (the mail server, a chat service...).

A notifier may have a `check()` method: it reaches its server as a delivery would, sends nothing, and returns
one line saying what worked, or raises a ToolError whose message says in one line what is wrong. Notifiers
without one (ticket-reply writes through the tool, which `baton check` reaches already) are left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from baton_itsm.core.errors import ToolError
from baton_itsm.core.notify.notifier import NotifierContext
from baton_itsm.core.plugins import notifier_registry

if TYPE_CHECKING:
    from baton_itsm.core.app import App


@dataclass(frozen=True)
class Reached:
    channel: str
    line: str  # what worked, or what is wrong
    ok: bool


def reach_notifiers(app: App, environ: Mapping[str, str] | None = None) -> Iterator[Reached]:
    """One answer per notifier in use (requester and staff channels) that can check its server."""
    settings = app.config.notifications
    context = NotifierContext(settings, app.clock, os.environ if environ is None else environ)
    registry = notifier_registry(app.plugins)
    for name in app.config.notifier_names():
        check = getattr(registry.get(name)(context), "check", None)
        if check is None:
            continue
        try:
            yield Reached(name, check(), True)
        except ToolError as error:
            yield Reached(name, str(error), False)
