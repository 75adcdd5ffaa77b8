"""ServiceNow's commands (registered in plugin.py): `baton servicenow`, what a ServiceNow admin installs beside
Baton as an update set to import, and `baton import servicenow-log`, an incident event log into the ledger."""

from __future__ import annotations

from pathlib import Path

import click

from baton_itsm.core.cli.history_import import file_argument, import_file, quiet_option
from baton_itsm.core.cli.report_after_import import ReportAfter, report_options
from baton_itsm.core.errors import ConfigError


@click.command("servicenow-log")
@file_argument
@click.option("--instance", default="sn-log", show_default=True, help="The instance name its tickets get.")
@quiet_option
@report_options
@click.pass_obj
def servicenow_log(state, file: Path, instance: str, quiet: bool, report: ReportAfter | None) -> None:
    """Import a ServiceNow incident event log (.csv, or a .zip holding one .csv)."""
    from baton_itsm.connectors.servicenow.history.log_import import read_servicenow_log

    import_file(
        state,
        file,
        instance,
        quiet,
        lambda grouped, progress: read_servicenow_log(file, progress, grouped=grouped),
        report,
    )


@click.group()
def servicenow() -> None:
    """ServiceNow set-up: the update set with the business rule, REST message, buttons and role."""


@servicenow.command("update-set")
@click.option("--instance", required=True, metavar="NAME", help="The connector instance (connectors.NAME).")
@click.option(
    "--url", required=True, metavar="URL", help="Where Baton answers ServiceNow, e.g. https://baton.example.com."
)
@click.pass_obj
def update_set(state, instance: str, url: str) -> None:
    """Write the update set for INSTANCE to stdout: import it under System Update Sets > Retrieved Update Sets,
    then preview and commit it (docs/servicenow.md)."""
    from datetime import UTC, datetime

    from baton_itsm.connectors.servicenow.options import parse_options
    from baton_itsm.connectors.servicenow.update_set import update_set_xml
    from baton_itsm.connectors.servicenow.update_set_records import UpdateSetRecords
    from baton_itsm.core.settings.loader import load_config
    from baton_itsm.core.settings.locate import find_config

    if not url.startswith(("https://", "http://")):
        raise ConfigError([f"--url {url!r}: say where Baton answers, as https://HOST (ServiceNow calls it)"])
    config = load_config(find_config(state.config_option))
    connector = config.connectors.get(instance)
    if connector is None or connector.type != "servicenow":
        known = ", ".join(n for n, c in config.connectors.items() if c.type == "servicenow") or "none configured"
        raise ConfigError([f"--instance {instance}: no servicenow connector of that name (known: {known})"])
    records = UpdateSetRecords(instance, url, parse_options(connector.options)).all()
    name = f"Baton for {instance}"
    click.echo(
        update_set_xml(
            name,
            f"Baton ({url}) beside {connector.url}: business rule, REST message, handoff buttons, integration role",
            records,
            datetime.now(UTC),
        ),
        nl=False,
    )
    if connector.mode == "poll":
        click.echo(
            f"note: connectors.{instance}.mode is poll: Baton refuses the business rule's deliveries until "
            "it is webhook or both (both: polling catches up what a delivery lost)",
            err=True,
        )
