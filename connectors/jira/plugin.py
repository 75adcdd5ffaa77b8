"""Registers the `jira` connector type (built in; trylast so that a user's plugin of that name wins)."""
from __future__ import annotations

from baton_itsm.connectors.jira.connector import JiraConnector
from baton_itsm.core.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_connectors(register):
    register("jira", JiraConnector.from_config)
