"""Jira's commands (registered in plugin.py): `baton import jira-changelog`, and `baton jira webhooks
register|list|delete`, Baton's admin webhook in Jira, through Jira's REST API.

The connector named by --instance gives the Jira URL, Baton's credentials (an administrator's: Jira lets only
administrators manage webhooks), the projects for the JQL filter and the webhook secret (its webhook_secret_env).
--url is where Jira reaches Baton (Baton's public base URL; the path /hooks/jira/INSTANCE is added).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from baton_itsm.core.cli.history_import import file_argument, import_file, quiet_option
from baton_itsm.core.cli.report_after_import import ReportAfter, report_options
from baton_itsm.core.errors import ConfigError


@click.command("jira-changelog")
@file_argument
@click.option("--instance", default="jira", show_default=True, help="The instance name its tickets get.")
@click.option(
    "--group-field",
    default="project",
    show_default=True,
    help="What makes the holder's group: `project`, or a field id (e.g. customfield_10010) or name.",
)
@quiet_option
@report_options
@click.pass_obj
def jira_changelog(state, file: Path, instance: str, group_field: str, quiet: bool, report: ReportAfter | None) -> None:
    """Import Jira issues fetched with expand=changelog (a search response, a list of issues, or one issue)."""
    from baton_itsm.connectors.jira.changelog_import import read_jira_changelog

    import_file(
        state, file, instance, quiet, lambda grouped, progress: read_jira_changelog(file, group_field, progress), report
    )


def _connector(state, instance: str):
    from baton_itsm.connectors.jira.connector import JiraConnector
    from baton_itsm.core.cli.history_settings import history_settings

    config = history_settings(state).config
    if config is None:
        raise ConfigError(
            [
                "baton jira webhooks reads the Jira connector from the deployment file, and there is none "
                "(--config, BATON_CONFIG or ./baton.yaml)"
            ]
        )
    found = config.connectors.get(instance)
    if found is None or found.type != "jira":
        jira = [name for name, c in config.connectors.items() if c.type == "jira"]
        raise ConfigError(
            [f"--instance {instance}: no jira connector of that name (jira connectors: {', '.join(jira) or 'none'})"]
        )
    try:
        return JiraConnector.from_config(instance=instance, config=found, environ=os.environ), found
    except ConfigError as error:
        raise ConfigError([f"connectors.{instance}: {p}" for p in error.problems]) from None


@click.group()
def jira() -> None:
    """Jira set-up."""


@jira.group()
def webhooks() -> None:
    """Baton's admin webhook in Jira (Cloud and Data Center)."""


_instance = click.option("--instance", required=True, metavar="NAME", help="The jira connector in baton.yaml.")
_url = click.option(
    "--url",
    "baton_url",
    required=True,
    metavar="URL",
    help="Baton's base URL as Jira reaches it, e.g. https://baton.example.com.",
)


@webhooks.command()
@_instance
@_url
@click.pass_obj
def register(state, instance: str, baton_url: str) -> None:
    """Create Baton's webhook, or bring the one there is up to date (never a second one)."""
    from baton_itsm.connectors.jira.webhooks_admin import register as register_webhook
    from baton_itsm.connectors.jira.webhooks_admin import scope_jql

    connector, config = _connector(state, instance)
    if not config.webhook_secret_env or not os.environ.get(config.webhook_secret_env):
        raise ConfigError(
            [
                f"connectors.{instance}.webhook_secret_env: the secret Jira signs deliveries with must be "
                "set, or Baton would refuse every delivery"
            ]
        )
    webhook, done = register_webhook(
        connector.http,
        instance=instance,
        baton_url=baton_url,
        secret=os.environ[config.webhook_secret_env],
        jql=scope_jql(connector.reader.options.projects),
    )
    click.echo(
        f"{done} webhook {webhook.id} {webhook.name!r}: {webhook.url}, "
        f"JQL {webhook.jql or '(every issue)'}, events {', '.join(webhook.events)}"
    )


@webhooks.command(name="list")
@_instance
@_url
@click.pass_obj
def list_webhooks(state, instance: str, baton_url: str) -> None:
    """Baton's webhooks for this instance, as Jira has them."""
    from baton_itsm.connectors.jira.webhooks_admin import batons

    connector, _ = _connector(state, instance)
    found = batons(connector.http, instance, baton_url)
    if not found:
        click.echo(f"no Baton webhook for {instance} in Jira (baton jira webhooks register)")
    for webhook in found:
        state_text = "enabled" if webhook.enabled else "DISABLED"
        click.echo(f"{webhook.id}\t{webhook.name}\t{webhook.url}\t{webhook.jql or '(every issue)'}\t{state_text}")


@webhooks.command()
@_instance
@_url
@click.pass_obj
def delete(state, instance: str, baton_url: str) -> None:
    """Remove Baton's webhooks for this instance from Jira."""
    from baton_itsm.connectors.jira.webhooks_admin import delete as delete_webhooks

    connector, _ = _connector(state, instance)
    removed = delete_webhooks(connector.http, instance=instance, baton_url=baton_url)
    click.echo(f"deleted {len(removed)} webhook(s)" + "".join(f" {w.id}" for w in removed))
