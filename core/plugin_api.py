"""The one module a plugin imports from Baton: the hook marker, the connector contract, and what the hooks hand over.

A plugin (docs/plugins.md) imports only from here; the modules behind these names may move, this module's names
stay. Baton's own plugins (connectors/*/plugin.py, plugins/*) do the same, and tests/unit/test_plugin_api.py holds
them to it.

Importing this module is cheap, so a plugin module that registers things costs `baton` nothing until they are used:
the names whose modules pull in the store or the settings (SQLAlchemy, pydantic) are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from baton_itsm.core.connector import (
    Changes,
    Connector,
    Observation,
    ToolTicket,
    WebhookOutcome,
    WebhookResult,
    build_connectors,
)
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.errors import (
    BatonError,
    ConfigError,
    ToolAuthError,
    ToolConflict,
    ToolError,
    ToolNotFound,
    ToolRateLimited,
    ToolRefused,
    ToolUnavailable,
)
from baton_itsm.core.history.imported import HistoryReading, ImportedTicket, Progress, Rejection
from baton_itsm.core.history.readers import EventHistory, HistoryFormatError, HistoryReader
from baton_itsm.core.hookspecs import PROJECT, hookimpl
from baton_itsm.core.notify.notifier import REQUESTER, STAFF, Message, Notifier, NotifierContext
from baton_itsm.core.notify.routes import notice_group
from baton_itsm.core.rules.decisions import Outgoing

if TYPE_CHECKING:
    from baton_itsm.core.settings.chat import SlackConfig, TeamsConfig
    from baton_itsm.core.settings.models import ConnectorConfig
    from baton_itsm.core.settings.notifications import NotificationsConfig, SmtpConfig, SmtpSecurity
    from baton_itsm.core.usecases.dispatcher import AtMostOnce, Handler, OutboxItem

# Loaded on first use (PEP 562): name -> the module that defines it.
_LAZY = {
    "ConnectorConfig": "baton_itsm.core.settings.models",  # what a connector factory gets as `config`
    "NotificationsConfig": "baton_itsm.core.settings.notifications",  # NotifierContext.settings, and its parts:
    "SmtpConfig": "baton_itsm.core.settings.notifications",
    "SmtpSecurity": "baton_itsm.core.settings.notifications",
    "SlackConfig": "baton_itsm.core.settings.chat",
    "TeamsConfig": "baton_itsm.core.settings.chat",
    "AtMostOnce": "baton_itsm.core.usecases.dispatcher",
    "Handler": "baton_itsm.core.usecases.dispatcher",
    "OutboxItem": "baton_itsm.core.usecases.dispatcher",
}

__all__ = [  # noqa: RUF022 - grouped by what a plugin registers or speaks in, each group under its comment
    "PROJECT",
    "hookimpl",
    # the connector contract (core/connector.py) and what it speaks in
    "Changes",
    "Connector",
    "Observation",
    "ToolTicket",
    "WebhookOutcome",
    "WebhookResult",
    "build_connectors",
    "Holder",
    "TicketKey",
    "ToolEvent",
    "ToolEventKind",
    "ConnectorConfig",
    # errors: every failure of a connector is a ToolError; a broken configuration a ConfigError
    "BatonError",
    "ConfigError",
    "ToolAuthError",
    "ToolConflict",
    "ToolError",
    "ToolNotFound",
    "ToolRateLimited",
    "ToolRefused",
    "ToolUnavailable",
    # history readers (register_history_readers)
    "EventHistory",
    "HistoryFormatError",
    "HistoryReader",
    "HistoryReading",
    "ImportedTicket",
    "Progress",
    "Rejection",
    # notifiers (register_notifiers)
    "AtMostOnce",
    "Handler",
    "Message",
    "Notifier",
    "NotifierContext",
    "Outgoing",
    "OutboxItem",
    "REQUESTER",
    "STAFF",
    "notice_group",
    "NotificationsConfig",
    "SlackConfig",
    "SmtpConfig",
    "SmtpSecurity",
    "TeamsConfig",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
