"""The Slack notifier: staff notices become `slack` outbox rows, sent as Block Kit direct messages by the dispatcher.

The receiver is found by their email address (users.lookupByEmail, cached). A request or reminder carries Accept
and Decline; the clicks come back to Baton's interactivity endpoint (core/web/slack.py, plugins/slack/clicks.py).
Slack rows have their own dispatch lane (channel `slack`), so Slack's 429 delays only Slack messages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from baton_itsm.core.plugin_api import STAFF, Handler, Message, NotifierContext, OutboxItem, Outgoing
from baton_itsm.plugins.slack.blocks import notice_blocks
from baton_itsm.plugins.slack.client import SlackClient

SLACK_CHANNEL = "slack"
POST, UPDATE, RESPOND = "post", "update", "respond"
log = logging.getLogger(__name__)


class SlackDelivery:
    """Delivers one `slack` row. A post interrupted mid-send is parked as uncertain (never posted twice); an update
    or a reply to a click is repeatable."""

    def __init__(self, client: SlackClient):
        self.client = client

    def __call__(self, item: OutboxItem) -> None:
        payload = item.payload
        if payload["op"] == POST:
            channel = payload.get("channel") or self.client.user_id(payload["email"])
            self.client.post(channel, payload["text"], payload["blocks"])
        elif payload["op"] == UPDATE:
            self.client.update(payload["channel"], payload["ts"], payload["text"], payload["blocks"])
        elif payload["op"] == RESPOND:
            self.client.respond(payload["response_url"], payload["text"])
        else:
            raise ValueError(f"{item.idempotency_key}: unknown Slack operation {payload['op']!r}")

    def repeatable(self, item: OutboxItem) -> bool:
        return item.payload.get("op") != POST


@dataclass
class SlackNotifier:
    context: NotifierContext
    client: SlackClient

    @classmethod
    def create(cls, context: NotifierContext) -> SlackNotifier:
        return cls(context, SlackClient.from_env(context.settings.slack, context.environ))

    def compose(self, message: Message) -> list[Outgoing]:
        if message.audience != STAFF or not self.context.settings.slack.direct_messages:
            return []  # requesters are not in the desk's Slack
        if not message.recipient.email:
            log.info("%s: %s has no email address; no Slack message", message.key, message.recipient.label)
            return []
        blocks = notice_blocks(message.template, message.subject, message.text, message.details, message.links)
        return [
            Outgoing(
                f"slack:{message.key}",
                SLACK_CHANNEL,
                {
                    "op": POST,
                    "email": message.recipient.email,
                    "person": message.recipient.person,
                    "text": message.subject,
                    "blocks": blocks,
                },
            )
        ]

    @property
    def handlers(self) -> Mapping[str, Handler]:
        return {SLACK_CHANNEL: SlackDelivery(self.client)}

    def check(self) -> str:
        """`baton check`: the bot token works (auth.test); one line."""
        return self.client.check()
