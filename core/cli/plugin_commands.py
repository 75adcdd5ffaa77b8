"""Commands that plugins add to `baton` (the `register_cli_commands` hook), found only when they are needed.

A group looks at the plugins only for a name that is not its own or when a help lists its commands, so the core's
commands never pay for loading the plugins; a plugin's command is imported ("module:attribute") when it runs.
"""

from __future__ import annotations

import click

from baton_itsm.core.cli.error_display import BatonGroup

_registered: dict[str, str] | None = None


def plugin_commands() -> dict[str, str]:
    """Every plugin's commands, "name" or "group name" -> "module:attribute", read once per process."""
    global _registered
    if _registered is None:
        from baton_itsm.core.plugins import build_plugin_manager, cli_commands

        _registered = cli_commands(build_plugin_manager())
    return _registered


class PluginGroup(BatonGroup):
    """A group whose commands are its own and the plugins' registered under `plugin_path` ("" for `baton` itself);
    its own win a name both have."""

    def __init__(self, *args, plugin_path: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.plugin_path = plugin_path

    def _plugins(self) -> dict[str, str]:
        prefix = f"{self.plugin_path} " if self.plugin_path else ""
        return {
            path.removeprefix(prefix): spec
            for path, spec in plugin_commands().items()
            if path.startswith(prefix) and " " not in path.removeprefix(prefix)
        }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name not in self.lazy_commands and name in (found := self._plugins()):
            self.add_lazy_commands({name: found[name]})
        return super().get_command(ctx, name)
