"""The plugin hooks of Baton (pluggy project name `baton`).

Plugin authors import `hookimpl` from here. Hooks are called with keyword arguments only; an
implementation's parameters have no defaults. Every hookspec is documented in docs/plugins.md and
tested (tests/unit/test_hookspecs.py enforces both).
"""

from __future__ import annotations

import pluggy

PROJECT = "baton"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_connectors(register):
    """Call `register(type_name, factory)` for each connector type; returns nothing."""


@hookspec
def register_notifiers(register):
    """Call `register(channel, factory)` for each notification channel (email, ticket reply); returns nothing."""


@hookspec
def register_cli_commands(register):
    """Call `register(path, spec)` for each command a plugin adds to `baton`: `path` is the command's name, or a
    built-in group and the name ("import jira-changelog"); `spec` is the click command as "module:attribute",
    imported only when the command runs or a help lists it; returns nothing."""


@hookspec
def register_history_readers(register):
    """Call `register(name, spec)` for each history format a plugin reads (`baton demo`, `baton backtest`): `spec` is
    a HistoryReader (core/history/imported.py) as "module:attribute", imported when used; returns nothing."""
