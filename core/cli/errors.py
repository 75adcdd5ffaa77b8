"""How the CLI shows a user's mistake: one clear message on stderr and a non-zero exit, no traceback."""
from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from baton_itsm.core.errors import BatonError, StoreError
from baton_itsm.core.store.database import redact


class UserFacingError(click.ClickException):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        lines = self.format_message().splitlines() or [""]
        click.echo(f"baton: {lines[0]}", err=True)
        for line in lines[1:]:
            click.echo(f"  {line}", err=True)


class BatonGroup(click.Group):
    """A click group that turns Baton's own errors into clean messages."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BatonError as error:
            raise UserFacingError(str(error), error.exit_code) from None
        except OperationalError as error:
            app = ctx.obj if hasattr(ctx.obj, "database_url") else None
            where = f" at {redact(app.database_url)}" if app else ""
            raise UserFacingError(f"the ledger store{where} did not answer: {error.orig}", StoreError.exit_code) from None
