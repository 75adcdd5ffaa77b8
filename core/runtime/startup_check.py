"""What `baton check` and `baton run` both refuse to go on with: one list, one line per problem.

Everything here is read from the deployment and the environment and built without reaching the store or a
tool, so `baton run` can refuse to start (exit 2) before it takes any work, instead of starting and failing
in a worker every second. `baton check` then goes on to reach the store and each tool.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from baton_itsm.core.connector import build_connectors
from baton_itsm.core.errors import ConfigError
from baton_itsm.core.notify.build import templates_dir
from baton_itsm.core.notify.links import link_signer
from baton_itsm.core.notify.notifier import NotifierContext
from baton_itsm.core.plugins import connector_registry, notifier_registry
from baton_itsm.core.settings.loader import missing_environment

if TYPE_CHECKING:
    from baton_itsm.core.app import App


def deployment_problems(app: App, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every problem of the deployment as `SOURCE: key.path: what is wrong`; [] when it can start."""
    environ = os.environ if environ is None else environ
    source = str(app.config_path or "built-in defaults")
    missing = missing_environment(app.config)
    problems = list(missing)
    # A connector whose credentials are missing is reported once, by the line above, not again by its factory.
    complete = {
        name: connector
        for name, connector in app.config.connectors.items()
        if not any(line.startswith(f"connectors.{name}.") for line in missing)
    }
    problems += _refusals(lambda: build_connectors(complete, connector_registry(app.plugins), environ))
    problems += _refusals(lambda: templates_dir(app))
    problems += _refusals(lambda: _notifiers(app, environ))
    try:
        link_signer(app.config.notifications, environ)
    except ValueError as error:
        problems.append(f"notifications.link_secret_env: {app.config.notifications.link_secret_env}: {error}")
    return [f"{source}: {problem}" for problem in problems]


def refuse_on_problems(app: App) -> None:
    """Raise ConfigError (exit 2) listing every problem, if there is any."""
    problems = deployment_problems(app)
    if problems:
        raise ConfigError(problems)


def _notifiers(app: App, environ: Mapping[str, str]) -> None:
    settings = app.config.notifications
    registry = notifier_registry(app.plugins)
    context = NotifierContext(settings, app.clock, environ)
    for name in app.config.notifier_names():
        try:
            registry.get(name)(context)
        except ConfigError as error:
            raise ConfigError([f"notifications.channels: {p}" for p in error.problems]) from None


def _refusals(build: Callable[[], object]) -> list[str]:
    try:
        build()
    except ConfigError as error:
        return error.problems
    return []
