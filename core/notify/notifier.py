"""What a notifier plugin is: it shapes one rendered message into outbox rows of its own channel(s).

A plugin registers a factory through `register_notifiers(register)`: `register(name, factory)` where
`factory(NotifierContext)` returns a Notifier. The deployment names notifiers per audience in
`notifications.channels`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.notify.notices import Recipient
from baton_itsm.core.rules.decisions import Outgoing

if TYPE_CHECKING:  # annotations only: a notifier plugin's module imports this without the store and the settings
    from baton_itsm.core.settings.notifications import NotificationsConfig
    from baton_itsm.core.usecases.dispatcher import Handler

REQUESTER, STAFF = "requester", "staff"


@dataclass(frozen=True)
class Message:
    """One rendered message for one recipient, before a channel shapes it."""

    key: str  # stable (the notice or digest key, and the recipient): channels derive their own keys from it
    ticket: TicketKey
    audience: str  # REQUESTER or STAFF
    recipient: Recipient
    subject: str
    text: str
    html: str
    template: str = ""  # the notice's template (handoff-request...): chat channels shape their cards by it
    details: Mapping[str, Any] = field(default_factory=dict)  # the notice's details: handoff_id, reason, summary...
    links: Mapping[str, str] | None = None  # the recipient's signed links (accept, decline, url), when made


@dataclass(frozen=True)
class NotifierContext:
    settings: NotificationsConfig
    clock: Clock
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # secrets: never in a log line


class Notifier(Protocol):
    def compose(self, message: Message) -> list[Outgoing]:
        """The outbox rows that deliver `message` ([] when this channel cannot reach the recipient)."""

    @property
    def handlers(self) -> Mapping[str, Handler]:
        """The outbox channels this notifier delivers itself, and how ({} when another part delivers)."""
