"""The email notifier: rendered messages become `email` outbox rows, sent over SMTP by the dispatcher."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from baton_itsm.core.plugin_api import AtMostOnce, Handler, Message, NotifierContext, OutboxItem, Outgoing
from baton_itsm.plugins.email.message import EMAIL_CHANNEL, build_email, email_payload
from baton_itsm.plugins.email.smtp import SmtpSender

log = logging.getLogger(__name__)


@dataclass
class EmailNotifier:
    context: NotifierContext
    sender: SmtpSender

    @classmethod
    def create(cls, context: NotifierContext) -> EmailNotifier:
        return cls(context, SmtpSender(context.settings.smtp, context.environ))

    def compose(self, message: Message) -> list[Outgoing]:
        address = message.recipient.email
        if not address:
            log.info("%s: %s has no email address; not emailed", message.key, message.recipient.label)
            return []
        payload = email_payload(message, address, self.context.settings.smtp, self.context.clock.now())
        return [Outgoing(payload["message_id"], EMAIL_CHANNEL, payload)]

    @property
    def handlers(self) -> Mapping[str, Handler]:
        # An email cannot be taken back: one interrupted mid-send is parked as uncertain, never sent twice.
        return {EMAIL_CHANNEL: AtMostOnce(self.deliver)}

    def check(self) -> str:
        """`baton check`: reach the mail server as a delivery would (connect, STARTTLS, log in); one line."""
        return self.sender.check()

    def deliver(self, item: OutboxItem) -> None:
        self.sender.send(build_email(item.payload))
