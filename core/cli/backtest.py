"""`baton backtest`: what a rule set would have done to the desk's history."""

from __future__ import annotations

import json
from pathlib import Path

import click

from baton_itsm.core.cli.history_settings import history_settings

existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option(
    "--rules",
    "rules_file",
    required=True,
    type=existing_file,
    help="A rule set (see config/rules.example.yaml); the deployment's groups and calendars apply.",
)
@click.option(
    "--history",
    "history_file",
    required=True,
    type=existing_file,
    help="A ServiceNow incident event log (.csv, .csv.gz or .zip).",
)
@click.option("--instance", default="sn-log", show_default=True, help="The instance name its tickets get.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def backtest(state, rules_file: Path, history_file: Path, instance: str, fmt: str) -> None:
    """Replay history through the rules engine: pushes reverted, requests raised, escalations fired,
    emails sent, and the bounce count had reverted pushes been accepted as requests."""
    result = run_backtest(state, rules_file, history_file, instance)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    from baton_itsm.core.backtest.run import outcome_lines

    for line in outcome_lines(result):
        click.echo(line)


def run_backtest(state, rules_file: Path, history_file: Path, instance: str) -> dict:
    from baton_itsm.core.backtest.run import backtest as replay_history
    from baton_itsm.core.rules.build import build_policy
    from baton_itsm.core.settings.loader import load_rules_file
    from baton_itsm.core.settings.models import BatonConfig

    settings = history_settings(state)
    config = load_rules_file(rules_file, settings.config or BatonConfig())
    return replay_history(build_policy(config), history_file, instance=instance)
