"""Holders over time, rebuilt from a batch of changes and the tickets' state now. Pure: no I/O.

A tool's change log says what moved (the queue, or the owner) but not the other half of the holder at
that moment. Within one batch, that half is the value set by the latest earlier change of that half,
else the value the next change of that half moved away from, else the ticket's value now.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind

Part = Literal["group", "person"]


@dataclass(frozen=True)
class NamedChange:
    """One change with its values already named (queue and user names; no person is None)."""

    event_id: str
    ticket_id: str
    at: datetime
    actor: str | None
    kind: ToolEventKind
    part: Part | None = None
    old: str | None = None
    new: str | None = None
    text: str = ""  # a comment's body


@dataclass(frozen=True)
class TicketNow:
    group: str | None
    person: str | None
    fields: Mapping[str, str] = field(default_factory=dict)


_UNKNOWN = TicketNow(None, None)


def to_events(instance: str, changes: Sequence[NamedChange], now: Mapping[str, TicketNow]) -> list[ToolEvent]:
    """ToolEvents for `changes` (kept in their order), holders filled in from the batch and `now`."""
    by_ticket: dict[str, list[int]] = defaultdict(list)
    for index, change in enumerate(changes):
        by_ticket[change.ticket_id].append(index)
    events = []
    for index, change in enumerate(changes):
        own = [changes[i] for i in by_ticket[change.ticket_id]]
        position = by_ticket[change.ticket_id].index(index)
        state = now.get(change.ticket_id, _UNKNOWN)
        before = _holder(_value(own, position, "group", state.group, after=False),
                         _value(own, position, "person", state.person, after=False))
        after = _holder(_value(own, position, "group", state.group, after=True),
                        _value(own, position, "person", state.person, after=True))
        if change.kind is ToolEventKind.CREATED:
            old_holder, new_holder = None, after
        elif change.kind is ToolEventKind.HOLDER_CHANGED:
            old_holder, new_holder = before, after
        else:
            old_holder = new_holder = None
        events.append(ToolEvent(ticket=TicketKey(instance, change.ticket_id), event_id=change.event_id,
                                kind=change.kind, at=change.at, actor=change.actor, old_holder=old_holder,
                                new_holder=new_holder, fields=dict(state.fields), text=change.text))
    return events


def _value(own: Sequence[NamedChange], position: int, part: Part, now: str | None, *, after: bool) -> str | None:
    """`part` of the holder just after (or just before) the change at `position` in one ticket's changes."""
    last_set = position if after else position - 1
    for change in reversed(own[:last_set + 1]):
        if change.part == part:
            return change.new
    for change in own[last_set + 1:]:
        if change.part == part:
            return change.old
    return now


def _holder(group: str | None, person: str | None) -> Holder | None:
    return Holder(group, person) if group else None
