"""`baton report`: the handoff metrics of the ledger, in the terminal and as HTML, CSV, JSON and PNG."""

from __future__ import annotations

from pathlib import Path

import click

from baton_itsm.core.cli.history_settings import HistorySettings, history_settings
from baton_itsm.core.metrics.periods import DEFAULT_PERIOD, PERIODS
from baton_itsm.core.metrics.timing import DEFAULT_LATE_WITHIN_MINUTES
from baton_itsm.core.report import DEFAULT_FOLDER


@click.command()
@click.option(
    "--out",
    "folder",
    default=DEFAULT_FOLDER,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.html, report.json, the CSV tables and charts/*.png.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What to print: the summary, or every metric as JSON.",
)
@click.option("--no-charts", is_flag=True, help="Skip the PNG charts (and matplotlib's start-up time).")
@click.option("--instance", "instances", multiple=True, help="Only tickets of this instance (repeatable).")
@click.option(
    "--late-within",
    type=float,
    default=DEFAULT_LATE_WITHIN_MINUTES,
    show_default=True,
    metavar="MINUTES",
    help="A handoff is late when the ticket was resolved within this long after it.",
)
@click.option(
    "--period",
    type=click.Choice(PERIODS),
    default=DEFAULT_PERIOD,
    show_default=True,
    help="Per-period figures count each ticket in the month, ISO week or quarter it was opened.",
)
@click.pass_obj
def report(
    state, folder: Path, fmt: str, no_charts: bool, instances: tuple[str, ...], late_within: float, period: str
) -> None:
    """Measure the handoffs in the ledger: bounce count, pickup and resolution times, late handoffs, reopens,
    acceptance, declines, escalations, handoff reviews, and the tool's own reassignment counter beside Baton's;
    overall, and per group, agent and period in the scorecards."""
    metrics = build_metrics(state, instances, late_within, period)
    write_and_show(metrics, folder, fmt=fmt, charts=not no_charts)


def build_metrics(
    state,
    instances: tuple[str, ...] = (),
    late_within: float = DEFAULT_LATE_WITHIN_MINUTES,
    period: str = DEFAULT_PERIOD,
    settings: HistorySettings | None = None,
) -> dict:
    from functools import partial

    from baton_itsm.core.metrics.summary import Tallies
    from baton_itsm.core.metrics.two_parts import tallies
    from baton_itsm.core.runtime.gcpause import paused_gc
    from baton_itsm.core.store.bulk import open_bulk

    settings = settings or history_settings(state)
    bulk = open_bulk(settings.database_url)
    try:
        with paused_gc():  # the tickets in two halves, on two cores (core/metrics/two_parts)
            metrics = tallies(
                bulk, settings.database_url, instances, partial(Tallies, settings.intake_groups, late_within, period)
            ).result()
        missing = sorted(set(instances) - set(metrics["instances"]))
        if missing:
            held = [instance for (instance,) in bulk.query("SELECT DISTINCT instance FROM tickets ORDER BY 1")]
            click.echo(
                f"no tickets of {', '.join(missing)} in the ledger; it holds {', '.join(held) or 'no tickets yet'}",
                err=True,
            )
    finally:
        bulk.close()
    return metrics


def write_and_show(
    metrics: dict, folder: Path, *, fmt: str = "text", charts: bool = True, extra: dict | None = None
) -> None:
    from baton_itsm.core.metrics.summary import summary_lines
    from baton_itsm.core.report.files import write_report

    written = write_report(metrics, folder, charts=charts, extra=extra)
    if fmt == "json":
        # The report.json just written, not encoded a second time: indented, json encodes in Python, not in C.
        click.echo(written["json"].read_text(encoding="utf-8"))
        return
    for line in summary_lines(metrics):
        click.echo(line)
    click.echo(
        f"report: {written['html']} (tables as CSV and every metric as JSON beside it"
        f"{', charts as PNG in ' + str(folder / 'charts') if charts else ''})"
    )
