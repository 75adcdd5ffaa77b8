"""Registers ServiceNow with Baton: the `servicenow` connector type, its commands and its history format (built in;
trylast so that a user's plugin of those names wins). Nothing heavy is imported until it is used."""

from __future__ import annotations

from baton_itsm.core.plugin_api import hookimpl


def servicenow_connector(**kwargs):
    """ServiceNowConnector.from_config, the connector imported only when an instance is built."""
    from baton_itsm.connectors.servicenow.connector import ServiceNowConnector

    return ServiceNowConnector.from_config(**kwargs)


@hookimpl(trylast=True)
def register_connectors(register):
    register("servicenow", servicenow_connector)


@hookimpl(trylast=True)
def register_cli_commands(register):
    register("servicenow", "baton_itsm.connectors.servicenow.cli:servicenow")
    register("import servicenow-log", "baton_itsm.connectors.servicenow.cli:servicenow_log")


@hookimpl(trylast=True)
def register_history_readers(register):
    register("servicenow-log", "baton_itsm.connectors.servicenow.history.reader:SERVICENOW_LOG")
