"""`baton`: the command line entry point and its top-level commands."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

from baton_itsm.core.cli.error_display import output_masker
from baton_itsm.core.cli.plugin_commands import PluginGroup
from baton_itsm.core.errors import BatonError, ConfigError, ToolError
from baton_itsm.core.settings.locate import DEFAULT_CONFIG_NAME, find_config

if TYPE_CHECKING:
    from baton_itsm.core.app import App

# The app, the store and the settings are imported where a command needs them, not here: SQLAlchemy,
# Alembic and pydantic take most of a second to import, which `baton import` and `baton report`
# (measured against a plain pandas script) and `--help` should not pay for.


class CliState:
    """What the top-level options say; the app is built only when a command needs it."""

    def __init__(self, config_option: str | None, db_option: str | None, *, read_config: bool = True):
        self.config_option = config_option
        self.db_option = db_option
        # False: the history commands use the built-in defaults whatever --config, $BATON_CONFIG or ./baton.yaml
        # say (the demo, which must not depend on the deployment it runs beside)
        self.read_config = read_config

    def config_path(self) -> Path | None:
        """The deployment file the history commands read; None for the built-in defaults."""
        return find_config(self.config_option) if self.read_config else None

    @cached_property
    def app(self) -> App:
        from baton_itsm.core.app import build_app

        return build_app(self.config_option, self.db_option)

    @property
    def database_url(self) -> str:
        return self.app.database_url


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_option",
    metavar="FILE",
    envvar=None,
    help="Deployment file (default: $BATON_CONFIG, else ./baton.yaml, else built-in defaults).",
)
@click.option(
    "--db",
    "db_option",
    metavar="PATH|URL",
    help="Ledger store: a SQLite file or a database URL (default: $BATON_DATABASE_URL, the config, "
    "else SQLite in the user data dir).",
)
@click.version_option(package_name="baton-itsm", prog_name="baton")  # looked up only when asked
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, db_option: str | None) -> None:
    """Baton: handoff governance beside your help desk."""
    ctx.obj = CliState(config_option, db_option)


@cli.command()
@click.option(
    "--path",
    "target",
    default=DEFAULT_CONFIG_NAME,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the starter config.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(target: str, force: bool) -> None:
    """Write a starter deployment file (the documented example) to edit."""
    import shutil  # here, not at the top: every other command's start-up would pay for them
    from importlib.resources import as_file, files

    path = Path(target)
    if path.exists() and not force:
        raise ConfigError([f"{path} exists already; pass --force to overwrite it"])
    with as_file(files("baton_itsm.config").joinpath("baton.example.yaml")) as example:
        shutil.copyfile(example, path)
    click.echo(f"wrote {path}: edit the groups and connectors, then run `baton check`")


@cli.command()
@click.pass_obj
def check(state: CliState) -> None:
    """Validate the deployment file, its environment, the ledger store; reach each configured tool and the mail
    server."""
    from baton_itsm.core.runtime.startup_check import refuse_on_problems
    from baton_itsm.core.store.database import redact
    from baton_itsm.core.store.migrate import current_revision, head_revision

    app = state.app  # a broken file raises ConfigError with every problem listed
    refuse_on_problems(app)  # the same check `baton run` makes before it starts
    where = app.config_path or "built-in defaults (no baton.yaml found)"
    config = app.config
    click.echo(
        f"config: {where}: OK ({len(config.groups)} groups, {len(config.connectors)} connectors, "
        f"ownership model {config.ownership.model})"
    )
    revision, head = current_revision(app.engine), head_revision()
    state_text = (
        "current"
        if revision == head
        else (
            "empty: it will be created on first use"
            if revision is None and app.engine.dialect.name == "sqlite"
            else f"at {revision or 'no schema'}, needs `baton db upgrade` to {head}"
        )
    )
    click.echo(f"ledger store: {redact(app.database_url)}: reachable, schema {state_text}")
    unreachable = []
    mask = output_masker(click.get_current_context())
    for name, connector in app.connectors.items():
        try:
            click.echo(mask(f"tool {name}: {connector.check()}"))
        except ToolError as error:
            unreachable.append(f"tool {name}: {error}")
    _reach_notifiers(app, mask)
    if unreachable:
        raise BatonError("\n".join(unreachable))


def _reach_notifiers(app: App, mask) -> None:
    """One line per notifier server (the mail server). A problem is said on stderr but does not fail the check:
    messages wait in the outbox until the server takes them, while a tool Baton cannot reach stops its work."""
    from baton_itsm.core.notify.reach import reach_notifiers

    for reached in reach_notifiers(app):
        line = mask(f"notifier {reached.channel}: {reached.line}")
        click.echo(line if reached.ok else f"warning: {line}", err=not reached.ok)


def _register_subcommands() -> None:
    # "module:attribute" of each command; the module is imported only when the command runs or help lists it.
    # A tool's own commands (`baton servicenow`, `baton jira`, `baton rt`) come from its plugin (plugin_commands).
    cli.add_lazy_commands(
        {
            "db": "baton_itsm.core.cli.db:db",
            "handoff": "baton_itsm.core.cli.handoff:handoff",
            "ledger": "baton_itsm.core.cli.ledger:ledger",
            "poll": "baton_itsm.core.cli.poll:poll",
            "import": "baton_itsm.core.cli.history_import:import_history",
            "report": "baton_itsm.core.cli.report:report",
            "review": "baton_itsm.core.cli.review:review",
            "backtest": "baton_itsm.core.cli.backtest:backtest",
            "demo": "baton_itsm.core.cli.demo:demo",
            "run": "baton_itsm.core.cli.run:run",
            "outbox": "baton_itsm.core.cli.outbox:outbox",
            "token": "baton_itsm.core.cli.token:token",
            "away": "baton_itsm.core.cli.away:away",
            "inbox": "baton_itsm.core.cli.inbox:inbox",
        }
    )


_register_subcommands()


def main() -> None:
    cli(prog_name="baton")
