"""History as the rules engine sees live traffic: one normalised ToolEvent per update of a ticket.

A ServiceNow event log row is a snapshot after one update, so each row becomes one event: CREATED for
the first, RESOLVED / REOPENED when the state enters or leaves a resolved state, HOLDER_CHANGED when
the group or the assignee moved, UPDATED otherwise. The log names no actor per field change, only
sys_updated_by: that is the event's actor. One exception: the log anonymises updaters and assignees
apart (`Updated by 21`, `Resolver 89`), so nobody is ever seen assigning a ticket to themselves; a move
from a group's queue to one of its people is taken as that person's pull, which is how desks mostly
work, rather than as a push by the updater.
"""

from __future__ import annotations

from datetime import UTC

from baton_itsm.connectors.servicenow.history.incidents import group_incidents
from baton_itsm.connectors.servicenow.history.log_import import RESOLVED_STATES, open_log_text
from baton_itsm.connectors.servicenow.history.log_reader import IncidentUpdate, read_incident_log
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.history.readers import EventHistory


def _holder(update: IncidentUpdate) -> Holder | None:
    return Holder(update.assignment_group, update.assigned_to) if update.assignment_group else None


def _flag(value: bool | None) -> str | None:
    """The log's made_sla as event fields carry it (text); the SLA back-test reads it (core/backtest/sla.py)."""
    return None if value is None else "true" if value else "false"


def incident_events(instance: str, updates: list[IncidentUpdate]) -> list[ToolEvent]:
    """The ordered updates of one incident as tool events."""
    events = []
    key = TicketKey(instance, updates[0].number)
    previous: IncidentUpdate | None = None
    for update in updates:
        holder = _holder(update)
        resolved = update.state in RESOLVED_STATES
        if previous is None:
            kind = ToolEventKind.CREATED
        elif resolved and previous.state not in RESOLVED_STATES:
            kind = ToolEventKind.RESOLVED
        elif not resolved and previous.state in RESOLVED_STATES:
            kind = ToolEventKind.REOPENED
        elif holder is not None and holder != _holder(previous):
            kind = ToolEventKind.HOLDER_CHANGED
        else:
            kind = ToolEventKind.UPDATED
        before = _holder(previous) if previous else None
        moved = holder is not None and holder != before
        # a person taking a ticket that sat with their group, unassigned: the taker is the actor
        taker = (
            holder
            if holder is not None
            and moved
            and before is not None
            and before.person is None
            and before.group == holder.group
            else None
        )
        events.append(
            ToolEvent(
                ticket=key,
                event_id=f"{update.number}#{update.mod_count}@{update.updated_at.isoformat()}",
                kind=kind,
                at=update.updated_at.replace(tzinfo=UTC),
                actor=taker.person if taker is not None else update.updated_by,
                old_holder=before,
                new_holder=holder if moved else None,
                fields={
                    name: value
                    for name, value in (
                        ("priority", update.priority),
                        ("category", update.category),
                        ("status", update.state),
                        ("requester", update.caller_id),
                        ("made_sla", _flag(update.made_sla)),
                    )
                    if value is not None
                },
            )
        )
        previous = update
    return events


def servicenow_histories(path, instance: str) -> EventHistory:
    """Each incident's events, the log's last update time, and how many rows could not be read."""
    import warnings

    text, _ = open_log_text(str(path))
    with text, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rejected rows are reported by the caller, from the count
        reader = read_incident_log(text)
        groups = group_incidents(reader, order="updated_at")
    end = max((u[-1].updated_at for u in groups.values()), default=None)
    return EventHistory(
        (incident_events(instance, updates) for updates in groups.values()),
        end.replace(tzinfo=UTC) if end else None,
        len(reader.rejected),
        RESOLVED_STATES,
    )
