"""The in-ticket reply notifier: the requester reads Baton's update as a reply in the ticket itself.

It only queues a `tool` outbox row (action `reply`); the connector of the ticket's instance performs it.
A reply is public, so it serves the requester audience only (the settings refuse it for staff).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from baton_itsm.core.plugin_api import REQUESTER, Message, NotifierContext, Outgoing, hookimpl

if TYPE_CHECKING:  # the outbox's module loads the store: not for a plugin module that only registers
    from baton_itsm.core.plugin_api import Handler

TOOL_CHANNEL = "tool"


@dataclass(frozen=True)
class TicketReplyNotifier:
    @classmethod
    def create(cls, context: NotifierContext) -> TicketReplyNotifier:
        return cls()

    def compose(self, message: Message) -> list[Outgoing]:
        if message.audience != REQUESTER:
            return []
        return [
            Outgoing(
                f"reply:{message.key}",
                TOOL_CHANNEL,
                {
                    "instance": message.ticket.instance,
                    "ticket_id": message.ticket.ticket_id,
                    "action": "reply",
                    "text": message.text,
                },
            )
        ]

    @property
    def handlers(self) -> Mapping[str, Handler]:
        return {}  # the connector delivers `tool` rows


@hookimpl(trylast=True)
def register_notifiers(register):
    register("ticket-reply", TicketReplyNotifier.create)
