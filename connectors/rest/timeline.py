"""Holders over time, rebuilt from a batch of changes and the tickets' state now. Pure: no I/O.

A tool's change log says what moved (the queue, or the owner) but not the other half of the holder at that moment.
Within one batch, that half is the value set by the latest earlier change of that half, else the value the next
change of that half moved away from (in the batch, then in `later` changes read after it), else the ticket's value now.

One write is one change (core/domain/writes.py): Request Tracker records a PUT that sets Queue and Owner as two
transactions (docs/request-tracker5.md), read as one holder change named by the first transaction, with the other's
id in `joined_ids`, so that neither path (poll or webhook) takes it again as a change of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from baton_itsm.connectors.rest.mapping import RawChange
from baton_itsm.connectors.rest.profile import KindRule
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.domain.writes import continues, writes

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


def named_change(raw: RawChange, rule: KindRule, name: Callable[[str | None, Part | None], str | None]) -> NamedChange:
    """A watched change as the rule classifies it, its old and new values through `name` (an id looked up in the
    tool, a profile's no-person value as None): the poller's and the webhook's one way of making it."""
    return NamedChange(
        event_id=raw.event_id,
        ticket_id=raw.ticket_id,
        at=raw.at,
        actor=raw.actor,
        kind=rule.kind,
        part=rule.part,
        old=name(raw.old, rule.part),
        new=name(raw.new, rule.part),
    )


@dataclass(frozen=True)
class TicketNow:
    group: str | None
    person: str | None
    fields: Mapping[str, str] = field(default_factory=dict)


_UNKNOWN = TicketNow(None, None)


def continues_write(own: Sequence[NamedChange], later: NamedChange) -> bool:
    """Whether `later` (read after the batch) belongs to the ticket's last write in the batch: the write was read
    half done."""
    if not own:
        return False
    return continues(own, writes(own)[-1], later)


def to_events(
    instance: str, changes: Sequence[NamedChange], now: Mapping[str, TicketNow], later: Sequence[NamedChange] = ()
) -> list[ToolEvent]:
    """ToolEvents for `changes`, one per write, in the order of each write's first change. `later`: changes read
    after the batch (not made into events), which say what a part was before them."""
    by_ticket: dict[str, list[NamedChange]] = defaultdict(list)
    for change in changes:
        by_ticket[change.ticket_id].append(change)
    later_by_ticket: dict[str, list[NamedChange]] = defaultdict(list)
    for change in later:
        later_by_ticket[change.ticket_id].append(change)
    events: list[tuple[int, ToolEvent]] = []
    order = {change.event_id: index for index, change in enumerate(changes)}
    for ticket_id, own in by_ticket.items():
        state = now.get(ticket_id, _UNKNOWN)
        context = [*own, *later_by_ticket.get(ticket_id, ())]
        for write in writes(own):
            first, last = own[write[0]], own[write[-1]]
            before = _holder(
                _value(context, write[0], "group", state.group, after=False),
                _value(context, write[0], "person", state.person, after=False),
            )
            after = _holder(
                _value(context, write[-1], "group", state.group, after=True),
                _value(context, write[-1], "person", state.person, after=True),
            )
            if first.kind is ToolEventKind.CREATED:
                old_holder, new_holder = None, after
            elif first.kind is ToolEventKind.HOLDER_CHANGED:
                old_holder, new_holder = before, after
            else:
                old_holder = new_holder = None
            events.append(
                (
                    order[first.event_id],
                    ToolEvent(
                        ticket=TicketKey(instance, ticket_id),
                        event_id=first.event_id,
                        kind=first.kind,
                        at=last.at,
                        actor=first.actor,
                        old_holder=old_holder,
                        new_holder=new_holder,
                        fields=dict(state.fields),
                        text=first.text,
                        joined_ids=tuple(own[p].event_id for p in write[1:]),
                    ),
                )
            )
    return [event for _, event in sorted(events, key=lambda pair: pair[0])]


def disagrees_with_now(own: Sequence[NamedChange], state: TicketNow) -> bool:
    """Whether the ticket's holder after its last change in the batch is not the holder it has now: changes after
    the batch, a write read half done, or a change Baton's account could not see."""
    for part, value in (("group", state.group), ("person", state.person)):
        last = next((c for c in reversed(own) if c.part == part), None)
        if last is not None and last.new != value:
            return True
    return False


def _value(own: Sequence[NamedChange], position: int, part: Part, now: str | None, *, after: bool) -> str | None:
    """`part` of the holder just after (or just before) the change at `position` in one ticket's changes."""
    last_set = position if after else position - 1
    for change in reversed(own[: last_set + 1]):
        if change.part == part:
            return change.new
    for change in own[last_set + 1 :]:
        if change.part == part:
            return change.old
    return now


def _holder(group: str | None, person: str | None) -> Holder | None:
    return Holder(group, person) if group else None
