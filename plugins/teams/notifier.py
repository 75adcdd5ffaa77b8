"""The Microsoft Teams notifier: staff notices as Adaptive Cards posted to a group's channel workflow.

A Teams workflow ("post to a channel when a webhook request is received") takes a message with an Adaptive Card
attachment; no bot is registered, so Accept and Decline open Baton's signed pages (the recipient's own links).
A channel is shared, so the card names the person it is for. Rows go out on their own lane (channel `teams`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests

from baton_itsm.core.plugin_api import (
    STAFF,
    AtMostOnce,
    Handler,
    Message,
    NotifierContext,
    OutboxItem,
    Outgoing,
    ToolError,
    notice_group,
)
from baton_itsm.plugins.teams.card import notice_card, webhook_message

TEAMS_CHANNEL = "teams"
log = logging.getLogger(__name__)


class TeamsRefused(ToolError):
    """A Teams workflow refused a card (a URL revoked, a flow turned off) or asked to wait (429)."""


@dataclass
class TeamsNotifier:
    context: NotifierContext
    urls: Mapping[str, str] = field(repr=False)  # group: its workflow URL (a secret: whoever has it can post)

    @classmethod
    def create(cls, context: NotifierContext) -> TeamsNotifier:
        envs = context.settings.teams.group_webhook_envs
        return cls(context, {group: context.environ.get(env, "") for group, env in envs.items()})

    def compose(self, message: Message) -> list[Outgoing]:
        group = notice_group(message.details)
        if message.audience != STAFF or group not in self.urls:
            return []
        card = notice_card(message.subject, message.text, message.recipient.label, message.links)
        return [Outgoing(f"teams:{message.key}", TEAMS_CHANNEL, {"group": group, "card": card})]

    @property
    def handlers(self) -> Mapping[str, Handler]:
        return {TEAMS_CHANNEL: AtMostOnce(self.deliver)}  # a card posted twice shows twice

    def deliver(self, item: OutboxItem) -> None:
        url = self.urls.get(item.payload["group"])
        if not url:
            raise TeamsRefused(f"no workflow URL for group {item.payload['group']!r} in the environment")
        answer = requests.post(
            url, json=webhook_message(item.payload["card"]), timeout=self.context.settings.teams.timeout_seconds
        )
        if answer.status_code == 429:
            error = TeamsRefused(
                "Teams asked to wait", status=429, retry_after=float(answer.headers.get("Retry-After") or 30)
            )
            error.retryable = error.pauses_destination = True
            raise error
        if answer.status_code >= 400:
            error = TeamsRefused(
                f"the Teams workflow refused the card: HTTP {answer.status_code}", status=answer.status_code
            )
            error.retryable = answer.status_code >= 500
            raise error

    def check(self) -> str:
        """`baton check`: each group's workflow URL is set and its host answers (nothing is posted); one line."""
        reached = []
        for group, url in self.urls.items():
            if not url:
                raise TeamsRefused(
                    f"Teams: no workflow URL for {group}: set {self.context.settings.teams.group_webhook_envs[group]}"
                )
            try:  # reachable is enough: a workflow answers HEAD with an error status, and nothing is posted
                requests.head(url, timeout=self.context.settings.teams.timeout_seconds)
            except requests.RequestException as error:
                raise TeamsRefused(f"Teams: cannot reach {group}'s workflow host: {type(error).__name__}") from None
            reached.append(group)
        return f"Teams: workflow URLs reached for {', '.join(reached) or 'no group'}"
