"""A page of changed tickets and their sys_audit rows, as ToolEvents. Pure: names come in already resolved.

sys_audit writes one row per field, so an update that moves both the group and the person is two rows
with the same time and user: they are one holder change here, never an intermediate holder that did not
exist. Holders are rebuilt backwards from the ticket as it is now: before a change is after it with the
changed parts put back to their old values.

Event ids are `SYS_ID@YYYY-MM-DD HH:MM:SS` (the update's time), so re-reading an update (the audit window
overlaps the last read by design) yields the same id and the inbox takes it once; the latest update's own
event shares the id of a holder step made by that update, and so is not taken twice.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from baton_itsm.connectors.servicenow.mapping import GROUP_FIELD, PERSON_FIELD, AuditRow, SnTicket
from baton_itsm.connectors.servicenow.values import format_time
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind

Pair = tuple[str | None, str | None]  # (group name, user_name)


def event_id(sys_id: str, at: datetime) -> str:
    return f"{sys_id}@{format_time(at)}"


@dataclass(frozen=True)
class HolderStep:
    """One update's change of holder; `group`/`person` are (old, new) names, None where that part did not move."""

    at: datetime
    actor: str | None
    group: Pair | None = None
    person: Pair | None = None


def holder_steps(rows: Sequence[AuditRow], group_name: Callable[[str | None], str | None],
                 user_name: Callable[[str | None], str | None]) -> list[HolderStep]:
    """One ticket's audit rows (any order) as holder steps, oldest first; one step per (time, user)."""
    merged: dict[tuple[datetime, str | None], dict[str, list]] = {}
    for row in sorted(rows, key=lambda r: (r.at, r.sys_id)):
        if row.field in (GROUP_FIELD, PERSON_FIELD):
            merged.setdefault((row.at, row.user), {}).setdefault(row.field, []).append(row)
    steps = []
    for (at, user), fields in merged.items():
        def pair(field: str, name: Callable) -> Pair | None:
            found = fields.get(field)
            # two rows for one field at one time: the first old value, the last new one
            return (name(found[0].old), name(found[-1].new)) if found else None
        steps.append(HolderStep(at, user, pair(GROUP_FIELD, group_name), pair(PERSON_FIELD, user_name)))
    return steps


def holders_around(steps: Sequence[HolderStep], now: Pair) -> tuple[Pair, list[tuple[Pair, Pair]]]:
    """(the holder before the first step, [(before, after) for each step]), walking back from `now`."""
    after, around = now, []
    for step in reversed(steps):
        after = (step.group[1] if step.group else after[0], step.person[1] if step.person else after[1])
        before = (step.group[0] if step.group else after[0], step.person[0] if step.person else after[1])
        around.append((before, after))
        after = before
    return after, list(reversed(around))


@dataclass(frozen=True)
class TicketView:
    """A ticket as one read saw it: the record, its holder named, and the facts the rules read."""

    record: SnTicket
    holder: Pair
    fields: Mapping[str, str]


def ticket_events(instance: str, view: TicketView, steps: Sequence[HolderStep], *, created_after: datetime | None,
                  resolved_states: frozenset[str], account: str | None) -> list[ToolEvent]:
    """One ticket's events: its creation (if after `created_after`), each holder step, its latest update.

    Re-reading yields the same events with the same ids; the inbox takes each once.
    """
    record = view.record
    key = TicketKey(instance, record.number or record.sys_id)
    updated_at = record.updated_at
    steps = [s for s in steps if updated_at is None or s.at <= updated_at]  # newer ones: the next read's
    start, around = holders_around(steps, view.holder)

    def event(kind: ToolEventKind, at: datetime, actor: str | None, old: Pair | None = None,
              new: Pair | None = None, suffix: str = "") -> ToolEvent:
        return ToolEvent(ticket=key, event_id=event_id(record.sys_id, at) + suffix, kind=kind, at=at, actor=actor,
                         old_holder=_holder(old), new_holder=_holder(new), fields=dict(view.fields))

    events, ids = [], set()
    created_at = record.created_at
    if created_at is not None and created_after is not None and created_at > created_after:
        # a holder set in the creating update (audited inserts) is the creation's holder, not a change
        folded = [i for i, s in enumerate(steps) if s.at == created_at and s.actor == record.created_by]
        holder = around[folded[-1]][1] if folded else start
        events.append(event(ToolEventKind.CREATED, created_at, record.created_by, new=holder, suffix=":created"))
        steps = [s for i, s in enumerate(steps) if i not in folded]
        around = [a for i, a in enumerate(around) if i not in folded]
    for step, (before, after) in zip(steps, around, strict=True):
        events.append(event(ToolEventKind.HOLDER_CHANGED, step.at, step.actor, before, after))
        ids.add(events[-1].event_id)
    latest = event_id(record.sys_id, updated_at) if updated_at else None
    # The latest update, for its facts and as activity; not when a holder step or the creation was that
    # update, and not when it was Baton's own (a note Baton wrote is not the ticket's activity).
    if (updated_at is not None and latest not in ids and updated_at != created_at
            and (account is None or record.updated_by != account)):
        kind = ToolEventKind.RESOLVED if record.state in resolved_states else ToolEventKind.UPDATED
        events.append(event(kind, updated_at, record.updated_by))
    return events


def _holder(pair: Pair | None) -> Holder | None:
    if pair is None or not pair[0]:
        return None  # ServiceNow allows assigned_to without a group; Baton's holders need a group
    return Holder(pair[0], pair[1])
