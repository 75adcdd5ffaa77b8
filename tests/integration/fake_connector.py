"""An in-memory connector honouring the contract, for tests of the poller and the tool-action handler."""

from __future__ import annotations

from dataclasses import dataclass, field

from baton_itsm.core.connector import Changes, Observation, ToolTicket, WebhookOutcome, WebhookResult
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.errors import ToolConflict, ToolError, ToolRefused


@dataclass
class FakeConnector:
    instance: str = "rt"
    account: str | None = "baton"
    log: list[ToolEvent] = field(default_factory=list)  # every change, in order; the checkpoint is an index
    holders: dict[str, Holder] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)
    replies: list[tuple[str, str]] = field(default_factory=list)
    page: int = 2
    failure: ToolError | None = None  # raised by every call while set: the tool is down
    refused_people: set[str] = field(default_factory=set)  # people the tool refuses as holders (no rights)
    lost: dict[str, str] = field(default_factory=dict)  # tickets Baton cannot see: deleted | hidden

    def _up(self) -> None:
        if self.failure is not None:
            raise self.failure

    def changes_since(self, checkpoint: str | None) -> Changes:
        self._up()
        start = int(checkpoint or 0)
        batch = self.log[start : start + self.page]
        return Changes(batch, str(start + len(batch)), more=start + len(batch) < len(self.log))

    def read_ticket(self, ticket_id: str) -> ToolTicket:
        self._up()
        return ToolTicket(TicketKey(self.instance, ticket_id), self.holders.get(ticket_id))

    def set_holder(self, ticket_id: str, holder: Holder, expected: Holder | None = None) -> bool:
        self._up()
        if self.holders.get(ticket_id) == holder:
            return False
        if expected is not None and self.holders.get(ticket_id) != expected:
            raise ToolConflict(f"{ticket_id} changed")
        if holder.person in self.refused_people:
            raise ToolRefused(f"{ticket_id}: the tool refused owner {holder.person}")
        self.holders[ticket_id] = holder
        return True

    def observe(self, ticket_ids, checkpoint) -> dict[str, Observation]:
        """As the contract asks: a ticket with a change after `checkpoint` not read yet is left out."""
        self._up()
        unread = {e.ticket.ticket_id for e in self.log[int(checkpoint or 0) :]}
        return {
            t: Observation(None, self.lost[t]) if t in self.lost else Observation(self.holders.get(t))
            for t in ticket_ids
            if t not in unread
        }

    def add_note(self, ticket_id: str, text: str) -> None:
        self._up()
        self.notes.append((ticket_id, text))

    def reply(self, ticket_id: str, text: str) -> None:
        self._up()
        self.replies.append((ticket_id, text))

    def verify_signature(self, headers, body) -> bool:
        return False

    def parse_webhook(self, headers, body) -> WebhookResult:
        return WebhookResult(WebhookOutcome.UNSUPPORTED, reason="fake")

    def check(self) -> str:
        self._up()
        return "reachable (fake)"
