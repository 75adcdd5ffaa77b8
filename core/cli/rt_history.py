"""`baton import rt`: the deployment's Request Tracker connector, its history read through REST2, imported.

History comes from the live tool, not a file: it is read whole first (with the progress bar), then
written in one transaction like a file's, recorded under the SHA-256 of what was read.
"""
from __future__ import annotations

import os

from baton_itsm.core.cli.history_import import import_and_tell
from baton_itsm.core.cli.history_settings import history_settings
from baton_itsm.core.cli.progress import ProgressBar
from baton_itsm.core.errors import ConfigError, ToolError


def import_rt(state, instance: str | None, search, quiet: bool) -> None:
    from baton_itsm.connectors.rest.history import read_rt_history
    from baton_itsm.core.history.ledger_import import tickets_digest

    settings = history_settings(state)
    connector = rt_connector(settings.config, instance)
    bar = ProgressBar(f"reading {connector.instance}", quiet=quiet)
    try:
        reading = read_rt_history(connector, search, bar)
    except ToolError as error:  # the same class (exit code, retryable), saying which instance failed
        raise type(error)(f"{connector.instance} at {connector.http.base_url}: {error}",
                          status=error.status) from None
    finally:
        bar.close()
    tickets = list(reading.tickets)
    reading.tickets = iter(tickets)
    import_and_tell(state, reading.source, connector.instance, tickets_digest(tickets), lambda grouped: reading,
                    settings=settings)


def rt_connector(config, instance: str | None):
    """The REST connector `instance` names (or the deployment's only one), built with its environment."""
    from baton_itsm.connectors.rest.connector import RestConnector

    if config is None:
        raise ConfigError(["baton import rt reads the Request Tracker connector from the deployment file, and "
                           "there is none (--config, BATON_CONFIG or ./baton.yaml)"])
    rest = [name for name, c in config.connectors.items() if c.type == "rest"]
    if instance is None:
        if len(rest) != 1:
            raise ConfigError([f"connectors: {'several' if rest else 'no'} `type: rest` connectors "
                               f"({', '.join(rest) or 'none'}): name the Request Tracker one with --instance"])
        instance = rest[0]
    elif instance not in config.connectors:
        raise ConfigError([f"--instance {instance}: no such connector (configured: "
                           f"{', '.join(config.connectors) or 'none'})"])
    elif instance not in rest:
        raise ConfigError([f"connectors.{instance}: a {config.connectors[instance].type} connector; "
                           "`baton import rt` needs `type: rest` with `options: {profile: request-tracker5}`"])
    try:
        return RestConnector.from_config(instance=instance, config=config.connectors[instance], environ=os.environ)
    except ConfigError as error:
        raise ConfigError([f"connectors.{instance}: {p}" for p in error.problems]) from None
