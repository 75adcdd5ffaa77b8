"""`baton ledger TICKET`: a ticket's handoff history."""

from __future__ import annotations

import json

import click

from baton_itsm.core.cli.handoff import _ticket
from baton_itsm.core.cli.tables import render_table
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.store.codec import event_to_row


def _holder_text(group: str | None, person: str | None) -> str:
    return "" if group is None else str(Holder(group, person))


@click.command()
@click.argument("ticket")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def ledger(state, ticket: str, fmt: str) -> None:
    """Show TICKET's handoff history (INSTANCE:ID), oldest first."""
    key = _ticket(state, ticket)
    entries = state.app.handoffs.ledger(key)
    if fmt == "json":
        rows = [
            {
                "seq": e.seq,
                "version": e.version,
                **event_to_row(e.event),
                "at": e.event.at.isoformat(),
                "ticket": str(key),
            }
            for e in entries
        ]
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not entries:
        click.echo(f"{key}: no ledger entries")
        return
    ticket_state = Ticket.from_events(key, (e.event for e in entries), state.app.config.intake_groups())
    owner = state.app.config.ownership_policy().owner(ticket_state.holders)
    click.echo(
        f"{key}: held by {ticket_state.holder or '(nobody)'}, owner {owner or '(nobody yet)'}, "
        f"{ticket_state.bounces} bounce{'s' if ticket_state.bounces != 1 else ''}"
    )
    lines = []
    for entry in entries:
        row = event_to_row(entry.event)
        lines.append(
            [
                entry.version,
                entry.event.at.strftime("%Y-%m-%d %H:%M:%S"),
                row["entry_type"],
                row["handoff_id"] or "",
                row["actor"] or "baton",
                _holder_text(row["from_group"], row["from_person"]),
                _holder_text(row["to_group"], row["to_person"]),
                row["kind"] or "",
                row["reason"] or "",
            ]
        )
    click.echo(render_table(["#", "at (UTC)", "entry", "handoff", "by", "from", "to", "kind", "reason"], lines))
