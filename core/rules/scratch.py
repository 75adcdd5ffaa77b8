"""The engine's working copy of a ticket: rules run the same protocol as people on it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cached_property

from baton_itsm.core.domain.commands import Command
from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.domain.protocol_errors import ProtocolError
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.rules.availability import Availability
from baton_itsm.core.rules.policy import Policy


def handoff_id_for(*parts: str) -> str:
    """Rule-made handoffs get ids derived from what caused them, so a replay makes the same id."""
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


class Scratch:
    """A clone of the ticket that the engine advances as it decides; the caller writes `events`."""

    def __init__(
        self,
        ticket: Ticket,
        policy: Policy,
        now: datetime,
        availability: Availability | Callable[[], Availability] | None = None,
    ):
        self.ticket = ticket.clone()
        self.policy, self.now = policy, now
        self._availability = availability or policy.availability
        self.events: list[LedgerEvent] = []

    @cached_property
    def availability(self) -> Availability:
        """Who is away and who is at capacity, now: read only by a decision that names a person."""
        return self._availability() if callable(self._availability) else self._availability

    def run(self, command: Command) -> list[LedgerEvent]:
        events = decide(self.ticket, command, now=self.now, directory=self.policy.directory)
        self.record(events)
        return events

    def try_run(self, command: Command) -> list[LedgerEvent] | None:
        """Run `command` if the protocol allows it; a rule never forces what a person could not."""
        try:
            return self.run(command)
        except ProtocolError:
            return None

    def record(self, events: Sequence[LedgerEvent]) -> None:
        for event in events:
            self.ticket.apply(event)
        self.events.extend(events)
