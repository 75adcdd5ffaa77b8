"""`baton inbox`: webhook deliveries Baton kept, the parked ones that need someone, and putting one back."""

from __future__ import annotations

import json

import click

from baton_itsm.core.cli.tables import render_table
from baton_itsm.core.errors import BatonError
from baton_itsm.core.store.inbox_queries import handled_since, list_deliveries, put_back

STATUSES = ["pending", "done", "parked"]


@click.group()
def inbox() -> None:
    """Webhook deliveries kept for the inbox worker: list them, put a parked one back."""


@inbox.command("list")
@click.option(
    "--status", type=click.Choice(STATUSES), default="parked", show_default=True, help="Only deliveries in this state."
)
@click.option("--all", "every", is_flag=True, help="Deliveries in every state.")
@click.option("--limit", default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def list_rows(state, status: str, every: bool, limit: int, fmt: str) -> None:
    """The newest deliveries (parked ones by default: their handling kept failing)."""
    with state.app.store.engine.connect() as connection:
        rows = list_deliveries(connection, None if every else status, limit)
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "source": r.source,
                        "delivery_id": r.delivery_id,
                        "ticket": r.ticket,
                        "status": r.status,
                        "attempts": r.attempts,
                        "received_at": r.received_at.isoformat(),
                        "last_error": r.last_error,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    if not rows:
        click.echo("no inbox deliveries" + (f" in state {status}" if status else ""))
        return
    click.echo(
        render_table(
            ["id", "source", "ticket", "status", "attempts", "received (UTC)", "last error"],
            [
                [
                    r.id,
                    r.source,
                    r.ticket or "-",
                    r.status,
                    r.attempts,
                    r.received_at.strftime("%Y-%m-%d %H:%M:%S"),
                    (r.last_error or "")[:80],
                ]
                for r in rows
            ],
        )
    )


@inbox.command("retry")
@click.argument("row_id", metavar="ID", type=int)
@click.pass_obj
def retry(state, row_id: int) -> None:
    """Put a parked delivery back: the inbox worker of `baton run` handles it again (fix its cause first)."""
    app = state.app
    with app.store.unit_of_work(app.clock.now()) as uow:
        row = put_back(uow.connection, row_id)
        later = handled_since(uow.connection, row) if row else 0
    if row is None:
        raise BatonError(f"no parked inbox delivery with id {row_id} (see `baton inbox list`)")
    click.echo(f"{row_id}: pending again; the inbox worker of `baton run` handles it")
    if later:
        click.echo(
            f"note: {later} later deliveries of {row.ticket} were handled while it was parked; "
            "it is applied after them",
            err=True,
        )
