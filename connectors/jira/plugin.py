"""Registers Jira with Baton: the `jira` connector type and its commands (built in; trylast so that a user's plugin
of those names wins). Nothing heavy is imported until it is used."""

from __future__ import annotations

from baton_itsm.core.plugin_api import hookimpl


def jira_connector(**kwargs):
    """JiraConnector.from_config, the connector (and the jira library) imported only when an instance is built."""
    from baton_itsm.connectors.jira.connector import JiraConnector

    return JiraConnector.from_config(**kwargs)


@hookimpl(trylast=True)
def register_connectors(register):
    register("jira", jira_connector)


@hookimpl(trylast=True)
def register_cli_commands(register):
    register("jira", "baton_itsm.connectors.jira.cli:jira")
    register("import jira-changelog", "baton_itsm.connectors.jira.cli:jira_changelog")
