"""Builds the notification side of the outbox from the deployment: the router and the notifiers it chose."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

from baton_itsm.core.errors import ConfigError
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.links import LinkMaker
from baton_itsm.core.notify.notifier import NotifierContext
from baton_itsm.core.notify.rendering import Renderer
from baton_itsm.core.notify.router import NoticeRouter
from baton_itsm.core.notify.routes import StaffRoutes
from baton_itsm.core.plugins import build_plugin_manager, notifier_registry
from baton_itsm.core.usecases.dispatcher import Handler

if TYPE_CHECKING:
    from baton_itsm.core.app import App


def templates_dir(app: App) -> Path | None:
    """The administrator's template overrides; a relative path is taken from the config file's folder."""
    configured = app.config.notifications.templates_dir
    if not configured:
        return None
    path = Path(configured).expanduser()
    if not path.is_absolute() and app.config_path is not None:
        path = app.config_path.parent / path
    if not path.is_dir():
        raise ConfigError([f"notifications.templates_dir: no such folder {str(path)!r}"])
    return path


def build_router(
    app: App, environ: Mapping[str, str] | None = None, manager: pluggy.PluginManager | None = None
) -> NoticeRouter:
    environ = os.environ if environ is None else environ
    settings = app.config.notifications
    registry = notifier_registry(manager or build_plugin_manager())
    context = NotifierContext(settings, app.clock, environ)
    made = {name: registry.get(name)(context) for name in app.config.notifier_names()}
    policy = app.rules.policy
    return NoticeRouter(
        store=app.store,
        clock=app.clock,
        settings=settings,
        addresses=AddressBook.from_config(app.config),
        renderer=Renderer(templates_dir(app), policy.default_calendar.timezone),
        policy=policy,
        notifiers={
            "requester": [made[n] for n in settings.channels.requester],
            "staff": [made[n] for n in settings.channels.staff],
        },
        links=LinkMaker.from_settings(settings, environ),
        audit_guidance=app.config.reviews.audit_guidance,
        named=made,
        staff_routes=StaffRoutes.from_config(app.config),
    )


def notification_handlers(
    app: App, environ: Mapping[str, str] | None = None, manager: pluggy.PluginManager | None = None
) -> dict[str, Handler]:
    """Outbox handlers by channel: `notify`, `requester-digest`, and each chosen notifier's own (`email`)."""
    router = build_router(app, environ, manager)
    handlers: dict[str, Handler] = dict(router.handlers)
    for notifier in [*router.named.values(), *(n for ns in router.notifiers.values() for n in ns)]:
        handlers.update(notifier.handlers)
    return handlers
