"""`baton outbox`: what Baton still has to do or could not do, and sending something again."""

from __future__ import annotations

import click

from baton_itsm.core.cli.tables import render_table
from baton_itsm.core.errors import BatonError
from baton_itsm.core.store import outbox_queries

STATUSES = ["pending", "sending", "sent", "failed", "uncertain"]


@click.group()
def outbox() -> None:
    """Tool actions and notifications Baton decided: list them, send one again."""


@outbox.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only rows in this state.")
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def list_rows(state, status: str | None, limit: int) -> None:
    """The newest outbox rows (failed and uncertain ones need someone to look)."""
    with state.app.store.engine.connect() as connection:
        rows = outbox_queries.newest(connection, status, limit)
    if not rows:
        click.echo("no outbox rows" + (f" in state {status}" if status else ""))
        return
    click.echo(
        render_table(
            ["key", "channel", "status", "attempts", "created (UTC)", "last error"],
            [
                [
                    r.idempotency_key,
                    r.channel,
                    r.status,
                    r.attempts,
                    r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    (r.last_error or "")[:80],
                ]
                for r in rows
            ],
        )
    )


@outbox.command("retry")
@click.argument("key")
@click.pass_obj
def retry(state, key: str) -> None:
    """Send a failed or uncertain row again (check first that an uncertain email did not arrive)."""
    app = state.app
    with app.store.unit_of_work(app.clock.now()) as uow:
        moved = outbox_queries.send_again(uow.connection, key, app.clock.now())
    if not moved:
        raise BatonError(f"no failed or uncertain outbox row with key {key!r} (see `baton outbox list`)")
    click.echo(f"{key}: queued again; the dispatcher of `baton run` sends it")
