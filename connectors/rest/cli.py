"""Request Tracker's commands (registered in plugin.py): `baton rt`, the set-up Baton ships for RT's admin to
install on RT's side, and `baton import rt`, the deployment's RT connector's history read through REST2, imported.

History comes from the live tool, not a file: it is read whole first (with the progress bar), then
written in one transaction like a file's, recorded under the SHA-256 of what was read.
"""

from __future__ import annotations

import os

import click

from baton_itsm.core.cli.history_import import import_and_tell, quiet_option
from baton_itsm.core.cli.history_settings import history_settings
from baton_itsm.core.cli.progress import ProgressBar
from baton_itsm.core.cli.report_after_import import ReportAfter, report_options
from baton_itsm.core.errors import ConfigError, ToolError


@click.group()
def rt() -> None:
    """Request Tracker: what RT needs to send Baton its changes."""


@rt.command("scrip")
def scrip() -> None:
    """Print the initialdata file that installs Baton's webhook Scrip in RT 5.

    RT 5 has no outgoing webhooks, and its REST2 API cannot create Scrips; RT's admin installs this file with
    `rt-setup-database-5 --action insert --skip-create --datafile FILE` (again to update it), and sets
    $BatonWebhookURL and $BatonWebhookSecret in RT_SiteConfig. See docs/request-tracker5.md.
    """
    from baton_itsm.connectors.rest.rt_scrip import initialdata

    click.echo(initialdata(), nl=False)


@click.command("rt")
@click.option(
    "--instance",
    help="The Request Tracker connector in the deployment file (a `rest` connector with "
    "profile request-tracker5); needed when there are several.",
)
@click.option("--queue", "queues", multiple=True, help="Only tickets now in this queue (repeat for more).")
@click.option(
    "--created-since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]),
    help="Only tickets created at or after this time, in UTC.",
)
@click.option("--from-id", type=click.IntRange(min=1), help="Only tickets with this id or a higher one.")
@click.option("--to-id", type=click.IntRange(min=1), help="Only tickets with this id or a lower one.")
@quiet_option
@report_options
@click.pass_obj
def request_tracker(
    state,
    instance: str | None,
    queues: tuple[str, ...],
    created_since,
    from_id: int | None,
    to_id: int | None,
    quiet: bool,
    report: ReportAfter | None,
) -> None:
    """Import Request Tracker 5 history through the REST connector the deployment file configures.

    Reads the tickets the options select (all by default) and their Create, Status and Owner/Queue
    transactions through REST2, as Baton's account (credentials from the environment variables the
    connector's `auth` names). The holder is the queue and the owner (Nobody: the queue alone).
    Tickets are INSTANCE:ID, the keys `baton run` uses, so the live connector continues them, and each
    entry carries its transaction id. Re-importing adds nothing; a later import adds only what RT has
    that the ledger lacks. Transactions that cannot be read or named are counted and explained.
    """
    from datetime import UTC

    from baton_itsm.connectors.rest.history_search import HistorySearch

    since = created_since.replace(tzinfo=UTC) if created_since else None
    import_rt(state, instance, HistorySearch(queues, since, from_id, to_id), quiet, report)


def import_rt(state, instance: str | None, search, quiet: bool, report: ReportAfter | None = None) -> None:
    from baton_itsm.connectors.rest.history import read_rt_history
    from baton_itsm.core.history.ledger_import import tickets_digest

    settings = history_settings(state)
    connector = rt_connector(settings.config, instance)
    bar = ProgressBar(f"reading {connector.instance}", quiet=quiet)
    try:
        reading = read_rt_history(connector, search, bar)
    except ToolError as error:  # the same class (exit code, retryable), saying which instance failed
        raise type(error)(f"{connector.instance} at {connector.http.base_url}: {error}", status=error.status) from None
    finally:
        bar.close()
    tickets = list(reading.tickets)
    reading.tickets = iter(tickets)
    import_and_tell(
        state,
        reading.source,
        connector.instance,
        tickets_digest(tickets),
        lambda grouped: reading,
        settings=settings,
        report=report,
    )


def rt_connector(config, instance: str | None):
    """The REST connector `instance` names (or the deployment's only one), built with its environment."""
    from baton_itsm.connectors.rest.connector import RestConnector

    if config is None:
        raise ConfigError(
            [
                "baton import rt reads the Request Tracker connector from the deployment file, and "
                "there is none (--config, BATON_CONFIG or ./baton.yaml)"
            ]
        )
    rest = [name for name, c in config.connectors.items() if c.type == "rest"]
    if instance is None:
        if len(rest) != 1:
            raise ConfigError(
                [
                    f"connectors: {'several' if rest else 'no'} `type: rest` connectors "
                    f"({', '.join(rest) or 'none'}): name the Request Tracker one with --instance"
                ]
            )
        instance = rest[0]
    elif instance not in config.connectors:
        raise ConfigError(
            [f"--instance {instance}: no such connector (configured: {', '.join(config.connectors) or 'none'})"]
        )
    elif instance not in rest:
        raise ConfigError(
            [
                f"connectors.{instance}: a {config.connectors[instance].type} connector; "
                "`baton import rt` needs `type: rest` with `options: {profile: request-tracker5}`"
            ]
        )
    try:
        return RestConnector.from_config(instance=instance, config=config.connectors[instance], environ=os.environ)
    except ConfigError as error:
        raise ConfigError([f"connectors.{instance}: {p}" for p in error.problems]) from None
