"""`baton away`: set someone away (their requests go to a deputy or their queue), list and cancel away periods."""

from __future__ import annotations

import json

import click

from baton_itsm.core.cli.error_display import UserFacingError
from baton_itsm.core.cli.tables import render_table


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


@click.command()
@click.argument("person", required=False, metavar="PERSON")
@click.option(
    "--from",
    "start",
    metavar="WHEN",
    help="A date (whole day, the deployment's zone), a moment with its "
    "zone (2026-12-24T09:00:00+01:00) or now.  [default: now]",
)
@click.option("--until", metavar="WHEN", help="The last day away (a date), or the moment back.")
@click.option("--deputy", metavar="OTHER", help="Who takes PERSON's requests meanwhile (else their group's queue).")
@click.option("--note", default="", help="Why, as the reroute's note and email say it (e.g. training).")
@click.option("--by", "by", default=None, metavar="NAME", help="Who sets it, for the record.  [default: PERSON]")
@click.option("--list", "listing", is_flag=True, help="List the away periods not yet over (all sources).")
@click.option("--cancel", "cancel", type=int, metavar="ID", help="Cancel an away period set by `baton away`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def away(state, person, start, until, deputy, note, by, listing, cancel, fmt) -> None:
    """Set PERSON away --from WHEN --until WHEN [--deputy OTHER]: requests to them go to OTHER, else their group's
    queue, with the reason in the ticket's note and the email; their stale tickets escalate at the first reminder.
    Every `baton run` process reads it from the store."""
    app = state.app
    now = app.clock.now()
    if cancel is not None:
        cancelled = app.away_periods.cancel(cancel, now)
        click.echo(f"away period {cancelled.id} of {cancelled.period.person} cancelled")
        return
    if listing:
        _list(app, now, person, fmt)
        return
    if not person or not until:
        raise UserFacingError(
            "name the person and the last day away: baton away PERSON --until WHEN "
            "[--from WHEN] [--deputy OTHER]  (or --list, --cancel ID)",
            exit_code=2,
        )
    from baton_itsm.core.away.setting import set_away

    stored = set_away(
        app.config, app.away_periods, person, start or "now", until, deputy=deputy, note=note, by=by or person, now=now
    )
    period = stored.period
    instead = f"their deputy {period.deputy}" if period.deputy else "their deputy, else their group's queue"
    click.echo(
        f"away period {stored.id}: {period.person} away from {_when(period.start)} to {_when(period.end)} "
        f"UTC; requests to them go to {instead}"
    )


def _list(app, now, person, fmt) -> None:
    app.away_feeds.read_all(now)  # a feed that fails is a warning; its periods are then not listed
    periods = app.rules.availability.periods(now)
    stored_ids = {f"store:{s.id}": s.id for s in app.away_periods.find(ending_after=now)}
    rows = [
        {
            "id": stored_ids.get(p.source),
            "person": p.person,
            "from": _when(p.start),
            "until": _when(p.end),
            "deputy": p.deputy or app.rules.policy.availability.deputies.get(p.person),
            "note": p.note,
            "source": p.source.split(":")[0] if p.source.startswith("store") else p.source,
        }
        for p in sorted(periods, key=lambda p: (p.start, p.person))
        if p.end > now and (person is None or p.person == person)
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo("nobody is away now or later")
    else:
        click.echo(
            render_table(
                ["id", "person", "from (UTC)", "until (UTC)", "deputy", "note", "source"],
                [
                    [r["id"] or "", r["person"], r["from"], r["until"], r["deputy"] or "", r["note"], r["source"]]
                    for r in rows
                ],
            )
        )
