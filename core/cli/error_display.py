"""How the CLI shows a user's mistake: one clear message on stderr and a non-zero exit, no traceback."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from typing import Any

import click

from baton_itsm.core.errors import BatonError
from baton_itsm.core.masking import Masker
from baton_itsm.core.store.errors import unanswered


class UserFacingError(click.ClickException):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        # click reads the exit code from the instance, but declares it a class variable since 8.5: set per instance
        # all the same (2 for usage mistakes, a store's own code), the way click itself reads it
        setattr(self, "exit_code", exit_code)  # noqa: B010

    def show(self, file=None) -> None:
        lines = self.format_message().splitlines() or [""]
        click.echo(f"baton: {lines[0]}", err=True)
        for line in lines[1:]:
            click.echo(f"  {line}", err=True)


class BatonGroup(click.Group):
    """A click group that turns Baton's own errors into clean messages.

    Subcommands may be registered lazily ("module:attribute"), so that a command imports only what it uses.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, str] = {}

    def add_lazy_commands(self, commands: dict[str, str]) -> None:
        self.lazy_commands.update(commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.lazy_commands:
            module, _, attribute = self.lazy_commands[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BatonError as error:
            raise UserFacingError(output_masker(ctx)(str(error)), error.exit_code) from None
        except Exception as error:
            app = ctx.obj if hasattr(ctx.obj, "database_url") else None
            store_error = unanswered(error, app.database_url if app else None)
            if store_error is None:
                raise
            raise UserFacingError(output_masker(ctx)(str(store_error)), store_error.exit_code) from None


def output_masker(ctx: click.Context | None = None) -> Masker:
    """Masks what the CLI prints: URL credentials, and secret environment variables' values, including those
    the deployment names (when it was read)."""
    built = getattr(ctx, "obj", None).__dict__.get("app") if ctx is not None and ctx.obj is not None else None
    names: Iterable[str] = ()
    if built is not None:
        from baton_itsm.core.settings.loader import secret_variables

        names = secret_variables(built.config)
    return Masker.from_environment(os.environ, names)
