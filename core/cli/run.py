"""`baton run`: the service admins deploy beside their help desk."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-http", is_flag=True, help="Run only the workers (pollers, scheduler, dispatcher, inbox).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]), default="INFO", show_default=True
)
@click.pass_obj
def run(state, host: str, port: int, no_http: bool, log_format: str, log_level: str) -> None:
    """Run Baton: webhook intake, accept/decline pages, the API, pollers, scheduler and dispatcher."""
    from baton_itsm.core.runtime.logs import configure_logging
    from baton_itsm.core.runtime.runner import RunOptions
    from baton_itsm.core.runtime.runner import run as run_service
    from baton_itsm.core.runtime.startup_check import refuse_on_problems
    from baton_itsm.core.settings.loader import secret_variables

    refuse_on_problems(state.app)  # what `baton check` refuses, `baton run` refuses too: exit 2, nothing starts
    configure_logging(log_format, log_level, secret_variables(state.app.config))
    run_service(
        state.app, RunOptions(host=host, port=port, http=not no_http, log_format=log_format, log_level=log_level)
    )
