"""The rules engine (placeholder until the rules land): records holder changes as seen."""
from __future__ import annotations

from datetime import datetime

from baton_itsm.core.domain.events import HolderChanged
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.decisions import Decisions


class RulesEngine:
    def on_tool_event(self, ticket: Ticket, event: ToolEvent, now: datetime) -> Decisions:
        if event.new_holder is None or event.new_holder == ticket.holder:
            return Decisions()
        return Decisions(events=[HolderChanged(ticket=ticket.key, at=event.at, by=event.actor,
                                               from_holder=ticket.holder, to_holder=event.new_holder,
                                               source_event_id=event.event_id)])
