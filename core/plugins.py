"""The plugin manager: built-ins from DEFAULT_PLUGINS, third-party plugins from the `baton` entry points."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pluggy

from baton_itsm.core import hookspecs
from baton_itsm.core.errors import ConfigError

# Built-in plugins, registered exactly like third-party ones.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "baton_itsm.connectors.rest.plugin",
    "baton_itsm.connectors.servicenow.plugin",
    "baton_itsm.connectors.jira.plugin",
    "baton_itsm.plugins.email",
    "baton_itsm.plugins.ticket_reply",
    "baton_itsm.plugins.slack",
    "baton_itsm.plugins.teams",
)


def build_plugin_manager(extra: tuple[object, ...] = ()) -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        manager.register(importlib.import_module(name), name=name)
    manager.load_setuptools_entrypoints(hookspecs.PROJECT)
    for plugin in extra:
        manager.register(plugin)
    manager.check_pending()
    return manager


@dataclass
class Registry:
    """Named factories collected through a `register_*` hook."""

    what: str
    factories: dict[str, Callable] = field(default_factory=dict)

    def register(self, name: str, factory: Callable) -> None:
        self.factories.setdefault(name, factory)  # first wins: user plugins run before trylast built-ins

    def get(self, name: str) -> Callable:
        try:
            return self.factories[name]
        except KeyError:
            known = ", ".join(sorted(self.factories)) or "none installed"
            raise ConfigError([f"unknown {self.what} {name!r} (known: {known})"]) from None


def connector_registry(manager: pluggy.PluginManager) -> Registry:
    registry = Registry("connector type")
    manager.hook.register_connectors(register=registry.register)
    return registry


def notifier_registry(manager: pluggy.PluginManager) -> Registry:
    registry = Registry("notification channel")
    manager.hook.register_notifiers(register=registry.register)
    return registry
