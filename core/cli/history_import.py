"""`baton import`: help-desk history into the ledger (ServiceNow event log, Jira changelog export, RT via REST)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import click

from baton_itsm.core.cli.history_settings import HistorySettings, history_settings, utc_now_text
from baton_itsm.core.cli.progress import ProgressBar
from baton_itsm.core.history.imported import HistoryReading, Progress

REJECTED_SHOWN = 5
UNITS = {"rt-history": ("transactions", "transaction")}  # what a reader's rows are, and how one is located


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


@import_history.command("rt")
@click.option("--instance", help="The Request Tracker connector in the deployment file (a `rest` connector with "
                                 "profile request-tracker5); needed when there are several.")
@click.option("--queue", "queues", multiple=True, help="Only tickets now in this queue (repeat for more).")
@click.option("--created-since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]),
              help="Only tickets created at or after this time, in UTC.")
@click.option("--from-id", type=click.IntRange(min=1), help="Only tickets with this id or a higher one.")
@click.option("--to-id", type=click.IntRange(min=1), help="Only tickets with this id or a lower one.")
@quiet_option
@click.pass_obj
def request_tracker(state, instance: str | None, queues: tuple[str, ...], created_since, from_id: int | None,
                    to_id: int | None, quiet: bool) -> None:
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
    from baton_itsm.core.cli.rt_history import import_rt

    since = created_since.replace(tzinfo=UTC) if created_since else None
    import_rt(state, instance, HistorySearch(queues, since, from_id, to_id), quiet)


def _servicenow(file: Path) -> Callable[[bool, Progress], HistoryReading]:
    from baton_itsm.core.history.servicenow_import import read_servicenow_log

    return lambda grouped, progress: read_servicenow_log(file, progress, grouped=grouped)


def import_file(state, file: Path, instance: str, quiet: bool,
                read: Callable[[bool, Progress], HistoryReading] | None = None) -> None:
    """Import `file` (a ServiceNow log unless `read` says otherwise) and tell what was imported."""
    from baton_itsm.core.errors import BatonError
    from baton_itsm.core.gcpause import paused_gc
    from baton_itsm.core.history.ledger_import import file_digest
    from baton_itsm.core.history.log_fields import LogFormatError

    read = read or _servicenow(file)
    bar = ProgressBar(f"importing {file.name}", quiet=quiet)

    def read_file(grouped: bool) -> HistoryReading:
        return _closing(read(grouped, bar), bar.close)

    with paused_gc():  # a file's rows make no reference cycles (a live tool's HTTP reads may: not paused)
        try:  # the file is read in a child process while this one writes the ledger (core/in_child)
            import_and_tell(state, str(file), instance, file_digest(file), read_file, bar.close, in_child=True)
        except LogFormatError as error:  # not a log this reader reads (its header): said in one line, nothing written
            raise BatonError(str(error)) from None


def _closing(reading: HistoryReading, close: Callable[[], None]) -> HistoryReading:
    """The reading, its progress bar closed where it is drawn: in the process that reads (the first half's, when
    the file is read in two)."""
    reading.tickets = _then(reading.tickets, close)
    halves = reading.halves
    if halves is not None:
        def closing_halves():
            parts = halves()
            return parts and (_closing(parts[0], close), parts[1], parts[2])
        reading.halves = closing_halves
    return reading


def _then(items: Iterator, done: Callable[[], None]) -> Iterator:
    yield from items
    done()


def import_and_tell(state, what: str, instance: str, digest: str, read: Callable[[bool], HistoryReading],
                    done: Callable[[], None] = lambda: None, settings: HistorySettings | None = None, *,
                    in_child: bool = False) -> None:
    """Write what `read` yields into the ledger as `instance`, recorded under `digest`, and tell the outcome;
    `in_child`: read in a child process (files only: never HTTP reads, whose connections are not forked)."""
    from baton_itsm.core.history.ledger_import import import_history
    from baton_itsm.core.store.bulk import open_bulk

    settings = settings or history_settings(state)
    bulk = open_bulk(settings.database_url)
    try:
        outcome = import_history(bulk, read, instance=instance, digest=digest, now=utc_now_text(),
                                 intake_groups=settings.intake_groups, ownership=settings.ownership,
                                 in_child=in_child)
    finally:
        done()
        bulk.close()
    tell(outcome, what)


def tell(outcome, what: str) -> None:
    rows, where = UNITS.get(outcome.kind, ("rows", "line"))
    if outcome.already_imported:
        click.echo(f"{what} was imported already (same content, SHA-256 {outcome.digest[:12]}): nothing added")
        return
    click.echo(f"imported {what} as {outcome.instance}: {outcome.rows_read:,} {rows} read, "
               f"{len(outcome.rejected):,} rejected")
    click.echo(f"  {outcome.tickets_new + outcome.tickets_extended:,} tickets ({outcome.tickets_new:,} new, "
               f"{outcome.tickets_extended:,} already in the ledger got new entries), "
               f"{outcome.entries:,} ledger entries written"
               + (f", {outcome.entries_known:,} were there already" if outcome.entries_known else ""))
    if outcome.entries_older:
        click.echo(f"  {outcome.entries_older:,} moves older than what the ledger already holds for their ticket "
                   "(Baton was watching it) were left out: appended now, they would make a past holder the present "
                   "one. Import history before `baton run` watches the instance.")
    if outcome.rejected:
        reasons = ", ".join(f"{reason}: {count:,}" for reason, count in sorted(outcome.rejected_reasons.items()))
        click.echo(f"  rejected {rows} are not imported; by column or cause: {reasons}")
        _list(outcome.rejected, where)
    if outcome.odd:
        click.echo(f"  {len(outcome.odd):,} imported with a caveat:")
        _list(outcome.odd, where)
    if outcome.compared:
        click.echo(f"  the tool's own reassignment counter agrees with Baton's derived count on "
                   f"{outcome.agreeing:,} of {outcome.compared:,} tickets "
                   f"({100 * outcome.agreeing / outcome.compared:.2f}%)")
        for mismatch, count in outcome.mismatches.most_common():
            click.echo(f"    {count:5,}  {mismatch}")
    click.echo("next: `baton report` for the handoff metrics")


def _list(rejections, where: str) -> None:
    for rejection in rejections[:REJECTED_SHOWN]:
        click.echo(f"    {where} {rejection.line}: {rejection.reason}" if rejection.line else f"    {rejection.reason}")
    if len(rejections) > REJECTED_SHOWN:
        click.echo(f"    ... and {len(rejections) - REJECTED_SHOWN:,} more")
