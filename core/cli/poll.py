"""`baton poll`: read the tools' changes, run the rules on them, and perform the decided tool actions."""

from __future__ import annotations

import time

import click

from baton_itsm.core.errors import ConfigError
from baton_itsm.core.usecases.poller import CycleReport


def _show(cycle: CycleReport) -> None:
    for poll in cycle.polls:
        click.echo(poll.line(), err=bool(poll.error))
    if cycle.dispatch is not None:
        d = cycle.dispatch
        recorded = f" (recorded in the ledger and told: {d.handled})" if d.handled else ""
        click.echo(f"tool actions: {d.sent} done, {d.retrying} to retry, {d.failed} failed{recorded}")
        for error in d.errors:
            click.echo(f"  {error}", err=True)


@click.command()
@click.argument("instances", nargs=-1, metavar="[INSTANCE]...")
@click.option("--once", is_flag=True, help="One cycle, then exit (non-zero if polling a tool failed).")
@click.pass_obj
def poll(state, instances: tuple[str, ...], once: bool) -> None:
    """Poll the configured tools (all, or INSTANCE...) and act on what changed.

    Without --once, polls every connector's poll_interval_seconds (the shortest of them) until stopped.
    """
    app = state.app
    unknown = [i for i in instances if i not in app.config.connectors]
    if unknown or not app.config.connectors:
        known = ", ".join(app.config.connectors) or "none are configured under `connectors`"
        raise ConfigError(
            [f"unknown connector instance {i!r} (known: {known})" for i in unknown] or [f"nothing to poll: {known}"]
        )
    chosen = list(instances) or list(app.config.connectors)
    if once:
        cycle = app.poller.run_once(chosen)
        _show(cycle)
        if not cycle.ok:
            raise SystemExit(1)
        return
    interval = min(app.config.connectors[i].poll_interval_seconds for i in chosen)
    while True:  # stopped by Ctrl-C or the service manager; every cycle's work is committed as it goes
        _show(app.poller.run_once(chosen))
        time.sleep(interval)
