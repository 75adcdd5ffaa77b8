"""Registers the `servicenow` connector type (built in; trylast so that a user's plugin of that name wins)."""
from __future__ import annotations

from baton_itsm.connectors.servicenow.connector import ServiceNowConnector
from baton_itsm.core.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_connectors(register):
    register("servicenow", ServiceNowConnector.from_config)
