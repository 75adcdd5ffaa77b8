"""`baton import`: help-desk history into the ledger (ServiceNow event log, Jira changelog export)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from baton_itsm.core.cli.history_settings import history_settings, utc_now_text
from baton_itsm.core.cli.progress import ProgressBar
from baton_itsm.core.history.imported import HistoryReading, Progress

REJECTED_SHOWN = 5


@click.group("import")
def import_history() -> None:
    """Import help-desk history into the ledger, to measure handoffs before Baton touches a live ticket."""


file_argument = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar (there is none when stderr "
                                                                "is not a terminal either).")


@import_history.command("servicenow-log")
@file_argument
@click.option("--instance", default="sn-log", show_default=True, help="The instance name its tickets get.")
@quiet_option
@click.pass_obj
def servicenow_log(state, file: Path, instance: str, quiet: bool) -> None:
    """Import a ServiceNow incident event log (.csv, or a .zip holding one .csv)."""
    import_file(state, file, instance, quiet)


@import_history.command("jira-changelog")
@file_argument
@click.option("--instance", default="jira", show_default=True, help="The instance name its tickets get.")
@click.option("--group-field", default="project", show_default=True,
              help="What makes the holder's group: `project`, or a field id (e.g. customfield_10010) or name.")
@quiet_option
@click.pass_obj
def jira_changelog(state, file: Path, instance: str, group_field: str, quiet: bool) -> None:
    """Import Jira issues fetched with expand=changelog (a search response, a list of issues, or one issue)."""
    from baton_itsm.core.history.jira_changelog import read_jira_changelog

    import_file(state, file, instance, quiet,
                lambda grouped, progress: read_jira_changelog(file, group_field, progress))


def _servicenow(file: Path) -> Callable[[bool, Progress], HistoryReading]:
    from baton_itsm.core.history.servicenow_import import read_servicenow_log

    return lambda grouped, progress: read_servicenow_log(file, progress, grouped=grouped)


def import_file(state, file: Path, instance: str, quiet: bool,
                read: Callable[[bool, Progress], HistoryReading] | None = None) -> None:
    """Import `file` (a ServiceNow log unless `read` says otherwise) and tell what was imported."""
    from baton_itsm.core.gcpause import paused_gc
    from baton_itsm.core.history.ledger_import import file_digest, import_history
    from baton_itsm.core.store.bulk import open_bulk

    read = read or _servicenow(file)
    settings = history_settings(state)
    bar = ProgressBar(f"importing {file.name}", quiet=quiet)
    bulk = open_bulk(settings.database_url)
    try:
        with paused_gc():
            outcome = import_history(bulk, lambda grouped: read(grouped, bar), instance=instance,
                                     digest=file_digest(file), now=utc_now_text(),
                                     intake_groups=settings.intake_groups, ownership=settings.ownership)
    finally:
        bar.close()
        bulk.close()
    if outcome.already_imported:
        click.echo(f"{file} was imported already (same content, SHA-256 {outcome.digest[:12]}): nothing added")
        return
    click.echo(f"imported {file} as {instance}: {outcome.rows_read:,} rows read, {len(outcome.rejected):,} rejected")
    click.echo(f"  {outcome.tickets_new + outcome.tickets_extended:,} tickets ({outcome.tickets_new:,} new, "
               f"{outcome.tickets_extended:,} already in the ledger got new entries), "
               f"{outcome.entries:,} ledger entries written"
               + (f", {outcome.entries_known:,} were there already" if outcome.entries_known else ""))
    if outcome.rejected:
        reasons = ", ".join(f"{reason}: {count:,}" for reason, count in sorted(outcome.rejected_reasons.items()))
        click.echo(f"  rejected rows are not imported; by column or cause: {reasons}")
        for rejection in outcome.rejected[:REJECTED_SHOWN]:
            click.echo(f"    line {rejection.line}: {rejection.reason}")
        if len(outcome.rejected) > REJECTED_SHOWN:
            click.echo(f"    ... and {len(outcome.rejected) - REJECTED_SHOWN:,} more")
    if outcome.compared:
        click.echo(f"  the tool's own reassignment counter agrees with Baton's derived count on "
                   f"{outcome.agreeing:,} of {outcome.compared:,} tickets "
                   f"({100 * outcome.agreeing / outcome.compared:.2f}%)")
        for mismatch, count in outcome.mismatches.most_common():
            click.echo(f"    {count:5,}  {mismatch}")
    click.echo("next: `baton report` for the handoff metrics")
