"""`baton import`: help-desk history into the ledger. Each format's command comes from its tool's plugin (`baton
import servicenow-log`, `jira-changelog`, `rt`: the `register_cli_commands` hook); they write through this module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import click

from baton_itsm.core.cli.history_settings import HistorySettings, history_settings, utc_now_text
from baton_itsm.core.cli.plugin_commands import PluginGroup
from baton_itsm.core.cli.progress import ProgressBar
from baton_itsm.core.cli.report_after_import import ReportAfter
from baton_itsm.core.history.imported import HistoryReading, Progress

REJECTED_SHOWN = 5
UNITS = {"rt-history": ("transactions", "transaction")}  # what a reader's rows are, and how one is located


@click.group("import", cls=PluginGroup, plugin_path="import")
def import_history() -> None:
    """Import help-desk history into the ledger, to measure handoffs before Baton touches a live ticket."""


file_argument = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar (there is none when stderr is not a terminal either)."
)


def import_file(
    state,
    file: Path,
    instance: str,
    quiet: bool,
    read: Callable[[bool, Progress], HistoryReading],
    report: ReportAfter | None = None,
) -> None:
    """Import `file`, read by `read(grouped, progress)`, and tell what was imported; then the report, if asked."""
    from baton_itsm.core.errors import BatonError
    from baton_itsm.core.history.ledger_import import file_digest
    from baton_itsm.core.history.readers import HistoryFormatError

    bar = ProgressBar(f"importing {file.name}", quiet=quiet)

    def read_file(grouped: bool) -> HistoryReading:
        return _closing(read(grouped, bar), bar.close)

    try:  # the file is read in a child process while this one writes the ledger (core/runtime/in_child)
        import_and_tell(
            state, str(file), instance, file_digest(file), read_file, bar.close, in_child=True, report=report
        )
    except HistoryFormatError as error:  # not a file this reader reads: said in one line, nothing written
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


def import_and_tell(
    state,
    what: str,
    instance: str,
    digest: str,
    read: Callable[[bool], HistoryReading],
    done: Callable[[], None] = lambda: None,
    settings: HistorySettings | None = None,
    *,
    in_child: bool = False,
    report: ReportAfter | None = None,
) -> None:
    """Write what `read` yields into the ledger as `instance`, recorded under `digest`, and tell the outcome;
    `in_child`: read in a child process (files only: never HTTP reads, whose connections are not forked);
    `report`: then write and show the report of the whole ledger (core/cli/report_after_import)."""
    from contextlib import nullcontext

    from baton_itsm.core.history.ledger_import import import_history
    from baton_itsm.core.runtime.gcpause import paused_gc
    from baton_itsm.core.store.bulk import open_bulk

    settings = settings or history_settings(state)
    bulk = open_bulk(settings.database_url)
    # A file's rows make no reference cycles, so the collector is paused for them (a live tool's HTTP reads may
    # make some); for the import only: the report's charts (matplotlib) make cycles.
    try:
        with paused_gc() if in_child else nullcontext():
            outcome = import_history(
                bulk,
                read,
                instance=instance,
                digest=digest,
                now=utc_now_text(),
                intake_groups=settings.intake_groups,
                ownership=settings.ownership,
                in_child=in_child,
            )
    finally:
        done()
        bulk.close()
    tell(outcome, what, report_next=report is None)
    if report is not None:
        report.write(state, settings)


def tell(outcome, what: str, *, report_next: bool = True) -> None:
    rows, where = UNITS.get(outcome.kind, ("rows", "line"))
    if outcome.already_imported:
        click.echo(f"{what} was imported already (same content, SHA-256 {outcome.digest[:12]}): nothing added")
        return
    click.echo(
        f"imported {what} as {outcome.instance}: {outcome.rows_read:,} {rows} read, {len(outcome.rejected):,} rejected"
    )
    click.echo(
        f"  {outcome.tickets_new + outcome.tickets_extended:,} tickets ({outcome.tickets_new:,} new, "
        f"{outcome.tickets_extended:,} already in the ledger got new entries), "
        f"{outcome.entries:,} ledger entries written"
        + (f", {outcome.entries_known:,} were there already" if outcome.entries_known else "")
    )
    if outcome.entries_older:
        click.echo(
            f"  {outcome.entries_older:,} moves older than what the ledger already holds for their ticket "
            "(Baton was watching it) were left out: appended now, they would make a past holder the present "
            "one. Import history before `baton run` watches the instance."
        )
    if outcome.rejected:
        reasons = ", ".join(f"{reason}: {count:,}" for reason, count in sorted(outcome.rejected_reasons.items()))
        click.echo(f"  rejected {rows} are not imported; by column or cause: {reasons}")
        _list(outcome.rejected, where)
    if outcome.odd:
        click.echo(f"  {len(outcome.odd):,} imported with a caveat:")
        _list(outcome.odd, where)
    if outcome.compared:
        click.echo(
            f"  the tool's own reassignment counter agrees with Baton's derived count on "
            f"{outcome.agreeing:,} of {outcome.compared:,} tickets "
            f"({100 * outcome.agreeing / outcome.compared:.2f}%)"
        )
        for mismatch, count in outcome.mismatches.most_common():
            click.echo(f"    {count:5,}  {mismatch}")
    if report_next:
        click.echo("next: `baton report` for the handoff metrics")


def _list(rejections, where: str) -> None:
    for rejection in rejections[:REJECTED_SHOWN]:
        click.echo(f"    {where} {rejection.line}: {rejection.reason}" if rejection.line else f"    {rejection.reason}")
    if len(rejections) > REJECTED_SHOWN:
        click.echo(f"    ... and {len(rejections) - REJECTED_SHOWN:,} more")
