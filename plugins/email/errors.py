"""What can go wrong handing a message to the mail server, as the outbox dispatcher needs to know it."""

from __future__ import annotations

from datetime import timedelta

from baton_itsm.core.plugin_api import ToolRefused, ToolUnavailable


class MailUnavailable(ToolUnavailable):
    """The mail server could not be reached or said "try later" (4xx): the message waits in the outbox and
    is sent when the server is back."""


class MailRefused(ToolRefused):
    """The mail server refused this message for good (5xx: unknown recipient, content, too large):
    the outbox row is marked failed with the server's answer."""


class MailServerRefused(MailUnavailable):
    """The mail server refused Baton itself (its login, its sender address, its HELO or STARTTLS): no email can go
    until an admin fixes the deployment. Every waiting email waits (the destination pauses) and is retried with
    back-off for `notifications.smtp.retry_hours`; each refusal is logged at ERROR with what to check."""

    pauses_destination = True

    def __init__(self, message: str, keep_trying_for: timedelta):
        super().__init__(message)
        self.keep_trying_for = keep_trying_for
