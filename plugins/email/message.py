"""Email messages: an outbox payload made from a rendered message, and the MIME message made from it.

The payload holds everything the message says (addresses, subject, both parts, date, ids), so a retry
sends the same message, and its Message-ID is the outbox row's idempotency key: one row, one message.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from baton_itsm.core.plugin_api import Message, SmtpConfig, TicketKey

EMAIL_CHANNEL = "email"


def _digest(text: str, size: int = 32) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def message_id(key: str, domain: str) -> str:
    return f"<baton.{_digest(key)}@{domain}>"


def thread_id(ticket: TicketKey, domain: str) -> str:
    """Every message about one ticket refers to this id, so mail clients show them as one conversation."""
    return f"<baton.ticket.{_digest(str(ticket), 24)}@{domain}>"


def email_payload(message: Message, address: str, smtp: SmtpConfig, now: datetime) -> dict[str, Any]:
    """The email of `message` to `address` (its recipient's)."""
    domain = smtp.from_address.rpartition("@")[2]
    return {
        "message_id": message_id(message.key, domain),
        "thread": thread_id(message.ticket, domain),
        "ticket": str(message.ticket),
        "from": formataddr((smtp.from_name, smtp.from_address)),
        "to": formataddr((message.recipient.name or "", address)),
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "date": now.isoformat(),
    }


def build_email(payload: dict[str, Any]) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = payload["from"]
    mail["To"] = payload["to"]
    mail["Subject"] = payload["subject"]
    mail["Date"] = format_datetime(datetime.fromisoformat(payload["date"]))
    mail["Message-ID"] = payload["message_id"]
    mail["In-Reply-To"] = payload["thread"]
    mail["References"] = payload["thread"]
    # RFC 3834: vacation responders and ticket tools must not answer, or they would loop with us.
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"  # the same request, in Microsoft Exchange's words
    mail["X-Baton-Ticket"] = payload["ticket"]
    mail.set_content(payload["text"])
    mail.add_alternative(payload["html"], subtype="html")
    return mail
