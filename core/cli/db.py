"""`baton db`: the ledger store's schema."""

from __future__ import annotations

import click

from baton_itsm.core.store.database import redact
from baton_itsm.core.store.migrate import upgrade


@click.group()
def db() -> None:
    """Manage the ledger store."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(state) -> None:
    """Create the ledger store's tables, or migrate them to this version of Baton."""
    app = state.app
    before, after = upgrade(app.engine)
    where = redact(app.database_url)
    if before == after:
        click.echo(f"{where}: already at schema {after}")
    else:
        click.echo(f"{where}: upgraded schema {before or '(empty)'} -> {after}")
