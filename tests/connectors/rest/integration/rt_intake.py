"""The intake of the Request Tracker webhook tests: the real engine on the shared directory, and RT ticket 1, which
dana created in Service Desk for alice, read by the poll."""

from __future__ import annotations

from datetime import datetime

from baton_itsm.connectors.rest.timeline import NamedChange, TicketNow, to_events
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.usecases.intake import Intake


def intake_with_ticket(store, clock, directory, created_at: datetime, fields: dict[str, str]) -> Intake:
    policy = Policy(directory=directory, instances=frozenset({"rt"}), accounts={"rt": "baton"})
    intake = Intake(store, RulesEngine(policy), clock)
    created = to_events(
        "rt",
        [NamedChange(event_id="50", ticket_id="1", at=created_at, actor="dana", kind=ToolEventKind.CREATED)],
        {"1": TicketNow("Service Desk", "alice", fields)},
    )
    assert intake.ingest("rt", created).entries == ["holder-changed"]
    return intake
