"""`baton import ... --report`: the import, then the report of the whole ledger, in one process.

An analyst who imports a file reads its report next. Run as two commands, the report pays for a second
start of Python and of Baton's modules (a tenth of the whole at the UCI log's size); run here, it starts
where the import ended. The report is what `baton report --out FOLDER [--no-charts]` writes and shows with
its other options at their defaults; for `--instance`, `--period` or `--format json`, run `baton report`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from baton_itsm.core.cli.history_settings import HistorySettings
from baton_itsm.core.report import DEFAULT_FOLDER


@dataclass(frozen=True)
class ReportAfter:
    """What `--report` asked for: where the report goes, and whether it draws the charts."""

    folder: Path
    charts: bool = True

    def write(self, state, settings: HistorySettings) -> None:
        from baton_itsm.core.cli.report import build_metrics, write_and_show

        click.echo()
        write_and_show(build_metrics(state, settings=settings), self.folder, charts=self.charts)


def report_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--report`, `--out` and `--no-charts` on an import command, handed to it as `report`: a ReportAfter, or
    None without --report."""

    @functools.wraps(command)
    def with_report(*args, report: bool, out: Path | None, no_charts: bool, **kwargs):
        if not report and (out is not None or no_charts):
            raise click.UsageError("--out and --no-charts are the report's: add --report")
        after = ReportAfter(out or Path(DEFAULT_FOLDER), charts=not no_charts) if report else None
        return command(*args, report=after, **kwargs)

    options = (
        click.option(
            "--report",
            is_flag=True,
            help="Then write and show the handoff report of the whole ledger, as `baton report` does, "
            "in this process (one start instead of two).",
        ),
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            help=f"With --report: the report's folder [default: {DEFAULT_FOLDER}].",
        ),
        click.option("--no-charts", is_flag=True, help="With --report: skip the PNG charts."),
    )
    return functools.reduce(lambda decorated, option: option(decorated), reversed(options), with_report)
