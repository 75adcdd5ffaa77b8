"""Registers the generic REST connector with Baton: the `rest` type and Request Tracker's commands (built in;
trylast so that a user's plugin of those names wins). Nothing heavy is imported until it is used."""

from __future__ import annotations

from baton_itsm.core.plugin_api import hookimpl


def rest_connector(**kwargs):
    """RestConnector.from_config, the connector imported only when an instance is built."""
    from baton_itsm.connectors.rest.connector import RestConnector

    return RestConnector.from_config(**kwargs)


@hookimpl(trylast=True)
def register_connectors(register):
    register("rest", rest_connector)


@hookimpl(trylast=True)
def register_cli_commands(register):
    register("rt", "baton_itsm.connectors.rest.cli:rt")
    register("import rt", "baton_itsm.connectors.rest.cli:request_tracker")
