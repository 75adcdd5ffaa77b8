"""`baton demo`: Baton on real history in one command, with no config and nothing touched but ./baton-demo/."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import click

from baton_itsm.core.cli.main import CliState

SAMPLE = "servicenow-incident-sample.csv.gz"
DEMO_INSTANCE = "sn-demo"


@click.command()
@click.option(
    "--out",
    "folder",
    default="baton-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo's ledger and report go.",
)
@click.option("--charts/--no-charts", default=True, show_default=True)
@click.pass_obj
def demo(state, folder: Path, charts: bool) -> None:
    """Import a bundled sample of a real ServiceNow incident log, back-test the example rules on it,
    and write the handoff report. Uses its own ledger (FOLDER/ledger.db), never your store."""
    from baton_itsm.core.backtest.run import HISTORY_FORMAT
    from baton_itsm.core.cli.backtest import run_backtest
    from baton_itsm.core.cli.history_import import import_file
    from baton_itsm.core.cli.report import build_metrics, write_and_show
    from baton_itsm.core.plugins import history_reader

    folder.mkdir(parents=True, exist_ok=True)
    ledger = folder / "ledger.db"
    for stale in (ledger, ledger.with_name("ledger.db-wal"), ledger.with_name("ledger.db-shm")):
        stale.unlink(missing_ok=True)  # the demo's own file: every run starts from the sample alone
    # The demo reads no deployment file and no BATON_* settings: built-in defaults and its own ledger.
    demo_state = CliState(config_option=None, db_option=str(ledger), read_config=False)
    samples = files("baton_itsm.config").joinpath("samples")
    with (
        as_file(samples.joinpath(SAMPLE)) as sample,
        as_file(files("baton_itsm.config").joinpath("rules.example.yaml")) as rules,
    ):
        click.echo(f"1/3 importing the bundled sample of the UCI ServiceNow incident log ({SAMPLE})")
        reader = history_reader(HISTORY_FORMAT)  # the sample is a ServiceNow log: its tool's plugin reads it
        import_file(
            demo_state,
            Path(sample),
            DEMO_INSTANCE,
            True,
            lambda grouped, progress: reader.read(Path(sample), progress, grouped=grouped),
        )
        click.echo("\n2/3 back-testing the example rules (config/rules.example.yaml) on it")
        result = run_backtest(demo_state, Path(rules), Path(sample), DEMO_INSTANCE)
    from baton_itsm.core.backtest.run import outcome_lines

    for line in outcome_lines(result):
        click.echo(line)
    click.echo("\n3/3 the handoff report")
    metrics = build_metrics(demo_state, (DEMO_INSTANCE,))
    write_and_show(metrics, folder, charts=charts, extra={"backtest": result})
    click.echo(f"\ndemo done: open {(folder / 'report.html').resolve()}")
    click.echo(f"data: {samples.joinpath('ATTRIBUTION.txt')} (CC BY 4.0)")
