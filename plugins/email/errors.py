"""What can go wrong handing a message to the mail server, as the outbox dispatcher needs to know it."""
from __future__ import annotations

from baton_itsm.core.errors import ToolRefused, ToolUnavailable


class MailUnavailable(ToolUnavailable):
    """The mail server could not be reached or said "try later" (4xx): the message waits in the outbox and
    is sent when the server is back."""


class MailRefused(ToolRefused):
    """The mail server refused the message for good (5xx: unknown recipient, bad credentials, too large):
    the outbox row is marked failed with the server's answer."""
