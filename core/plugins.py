"""The plugin manager: built-ins and third-party plugins alike come from the `baton` entry points.

Baton's own plugins (its connectors and notifiers) are entry points of the baton-itsm distribution
(pyproject.toml); they are registered first, as they always were, and their hooks are `trylast`, so a
third-party plugin that registers the same name wins. The core names no plugin module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Generic, TypeVar

import pluggy

from baton_itsm.core import hookspecs
from baton_itsm.core.errors import ConfigError

DISTRIBUTION = "baton-itsm"
T = TypeVar("T")


def built_in_entry_points(found: list[metadata.EntryPoint] | None = None) -> list[metadata.EntryPoint]:
    """Baton's own plugins (by name: each registers names of its own, so their order changes nothing), of the entry
    points `found` (by default, read now)."""
    return [ep for ep in (_entry_points() if found is None else found) if _built_in(ep)]


def _entry_points() -> list[metadata.EntryPoint]:
    return list(metadata.entry_points(group=hookspecs.PROJECT))


def _built_in(entry_point: metadata.EntryPoint) -> bool:
    return entry_point.dist is not None and entry_point.dist.name == DISTRIBUTION


def build_plugin_manager(extra: tuple[object, ...] = ()) -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    # One read of every installed distribution's entry points (pluggy's load_setuptools_entrypoints would read them
    # again): a tenth of a `baton import` of the real log here went to reading them twice.
    found = _entry_points()
    for entry_point in built_in_entry_points(found):
        manager.register(entry_point.load(), name=entry_point.name)
    for entry_point in found:  # the rest: third-party plugins, as pluggy registers them (a name taken is skipped)
        if _built_in(entry_point) or manager.get_plugin(entry_point.name) or manager.is_blocked(entry_point.name):
            continue
        manager.register(entry_point.load(), name=entry_point.name)
    for plugin in extra:
        manager.register(plugin)
    manager.check_pending()
    return manager


@dataclass
class Registry(Generic[T]):
    """Named factories (or "module:attribute" specs of them) collected through a `register_*` hook."""

    what: str
    factories: dict[str, T] = field(default_factory=dict)

    def register(self, name: str, factory: T) -> None:
        self.factories.setdefault(name, factory)  # first wins: user plugins run before trylast built-ins

    def get(self, name: str) -> T:
        try:
            return self.factories[name]
        except KeyError:
            known = ", ".join(sorted(self.factories)) or "none installed"
            raise ConfigError([f"unknown {self.what} {name!r} (known: {known})"]) from None


def connector_registry(manager: pluggy.PluginManager) -> Registry[Callable]:
    registry: Registry[Callable] = Registry("connector type")
    manager.hook.register_connectors(register=registry.register)
    return registry


def notifier_registry(manager: pluggy.PluginManager) -> Registry[Callable]:
    registry: Registry[Callable] = Registry("notification channel")
    manager.hook.register_notifiers(register=registry.register)
    return registry


def cli_commands(manager: pluggy.PluginManager) -> dict[str, str]:
    """The plugins' commands: "name" or "group name" -> "module:attribute" (the first registration wins)."""
    found: dict[str, str] = {}
    manager.hook.register_cli_commands(register=lambda path, spec: found.setdefault(" ".join(path.split()), spec))
    return found


def load_spec(spec: str):
    """The object a "module:attribute" spec names, its module imported now."""
    module, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module), attribute)


def history_reader(name: str, manager: pluggy.PluginManager | None = None):
    """The HistoryReader (core/history/readers.py) registered as `name`; ConfigError naming the known ones."""
    specs: Registry[str] = Registry("history format")
    (manager or build_plugin_manager()).hook.register_history_readers(register=specs.register)
    return load_spec(specs.get(name))
