"""`baton outbox`: what Baton still has to do or could not do, and sending something again."""
from __future__ import annotations

import click
from sqlalchemy import select, update

from baton_itsm.core.cli.tables import render_table
from baton_itsm.core.errors import BatonError
from baton_itsm.core.store.schema import outbox as outbox_table

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
    query = select(outbox_table).order_by(outbox_table.c.id.desc()).limit(limit)
    if status:
        query = query.where(outbox_table.c.status == status)
    with state.app.store.engine.connect() as connection:
        rows = connection.execute(query).all()
    if not rows:
        click.echo("no outbox rows" + (f" in state {status}" if status else ""))
        return
    click.echo(render_table(["key", "channel", "status", "attempts", "created (UTC)", "last error"], [
        [r.idempotency_key, r.channel, r.status, r.attempts, r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
         (r.last_error or "")[:80]] for r in rows]))


@outbox.command("retry")
@click.argument("key")
@click.pass_obj
def retry(state, key: str) -> None:
    """Send a failed or uncertain row again (check first that an uncertain email did not arrive)."""
    app = state.app
    with app.store.unit_of_work(app.clock.now()) as uow:
        moved = uow.connection.execute(
            update(outbox_table).where(outbox_table.c.idempotency_key == key,
                                       outbox_table.c.status.in_(["failed", "uncertain"]))
            .values(status="pending", next_attempt_at=app.clock.now(), claimed_until=None))
    if moved.rowcount == 0:
        raise BatonError(f"no failed or uncertain outbox row with key {key!r} (see `baton outbox list`)")
    click.echo(f"{key}: queued again; the dispatcher of `baton run` sends it")
