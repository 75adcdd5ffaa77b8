"""One Request Tracker ticket's history as the ledger import takes it. Pure: no I/O.

The transactions are the poller's own (the profile's watched kinds, named by the same lookups) and go
through the same `to_events`, so an imported holder is the holder `baton run` would have recorded, and an
entry's source id is the transaction id the poller gives its event: an overlap is recognised either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from baton_itsm.connectors.rest.timeline import NamedChange, TicketNow, to_events
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.history.imported import ImportedTicket, Rejection, holder_steps
from baton_itsm.core.rules.facts import RESOLVED_STATUSES

PART_FIELD = {"group": "Queue", "person": "Owner"}


@dataclass(frozen=True)
class ListedTicket:
    """A ticket as RT's ticket search lists it now, its queue and owner already named."""

    ticket_id: str
    now: TicketNow
    created: datetime | None
    last_updated: datetime | None


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def imported_ticket(
    instance: str, ticket: ListedTicket, changes: Sequence[NamedChange], transactions: int
) -> tuple[ImportedTicket, list[Rejection]]:
    """The ticket from its watched transactions (oldest first), and what was odd about them (imported anyway).

    `transactions` counts every transaction read for the ticket, including any rejected before naming.
    """
    tid = ticket.ticket_id
    odd = _gaps(changes)
    events = to_events(instance, changes, {tid: ticket.now})
    snapshots: list[tuple[str, str | None, str | None, str | None, str]] = []
    if not events or events[0].kind is not ToolEventKind.CREATED:
        # RT writes a Create transaction for every ticket; without it the first holder is the first move's "from".
        first = next((e.old_holder for e in events if e.kind is ToolEventKind.HOLDER_CHANGED), None)
        first = first or (Holder(ticket.now.group, ticket.now.person) if ticket.now.group else None)
        odd.append(
            Rejection(
                0,
                f"no Create: ticket {tid} has no Create transaction listed: its first holder "
                f"is read from its first move, or from the ticket now",
            )
        )
        at = ticket.created or (events[0].at if events else None)
        if at is not None and first is not None:
            snapshots.append((utc_text(at), None, first.group, first.person, f"created:{tid}"))
    reopens, resolved_at = 0, None
    for event in events:
        if event.kind in (ToolEventKind.CREATED, ToolEventKind.HOLDER_CHANGED) and event.new_holder is not None:
            holder = event.new_holder
            snapshots.append((utc_text(event.at), event.actor, holder.group, holder.person, event.event_id))
        elif event.kind is ToolEventKind.RESOLVED:
            resolved_at = utc_text(event.at)
        elif event.kind is ToolEventKind.REOPENED:
            reopens += 1
    fields = ticket.now.fields
    status = fields.get("status")
    opened = utc_text(ticket.created) if ticket.created else (snapshots[0][0] if snapshots else None)
    last = ticket.last_updated or (events[-1].at if events else ticket.created)
    last_text = utc_text(last) if last else opened or "1970-01-01 00:00:00"
    return ImportedTicket(
        ticket_id=tid,
        steps=holder_steps(snapshots),
        last_activity_at=last_text,
        updates=transactions,
        # RT's LastUpdated is to the second: the count of transactions read tells apart a change in that same second
        source_event_id=f"{tid}#summary@{last_text}#{transactions}",
        status=status,
        subject=fields.get("subject"),
        priority=fields.get("priority"),
        requester=fields.get("requester"),
        tool_group=ticket.now.group,
        tool_person=ticket.now.person,
        opened_at=opened,
        resolved_at=resolved_at if (status or "").lower() in RESOLVED_STATUSES else None,
        reopen_count=reopens,
    ), odd


def _gaps(changes: Sequence[NamedChange]) -> list[Rejection]:
    """Moves whose "from" is not where the previous move of that half left the ticket: a change RT did
    not list to Baton's account (say, while the ticket sat in a queue it may not see). Imported as RT says."""
    last: dict[str, str | None] = {}
    odd = []
    for change in changes:
        if change.kind is not ToolEventKind.HOLDER_CHANGED or change.part is None:
            continue
        if change.part in last and last[change.part] != change.old:
            odd.append(
                Rejection(
                    _number(change.event_id),
                    f"gap: ticket {change.ticket_id}'s {PART_FIELD[change.part]} moved from "
                    f"{change.old or 'Nobody'}, but the history before left it at "
                    f"{last[change.part] or 'Nobody'}",
                )
            )
        last[change.part] = change.new
    return odd


def _number(event_id: str) -> int:
    return int(event_id) if event_id.isdigit() else 0
