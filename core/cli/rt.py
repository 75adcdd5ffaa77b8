"""`baton rt`: Request Tracker set-up that Baton ships, for RT's admin to install on RT's side."""
from __future__ import annotations

import click


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
