"""A page of changed tickets and their sys_audit rows, as ToolEvents. Pure: names come in already resolved.

sys_audit writes one row per field, so an update that moves both the group and the person is two rows:
they are one holder change here, never an intermediate holder that did not exist. The rows of one update
share `record_checkpoint` (the record's sys_mod_count after that update; see mapping.AUDIT_FIELDS), so they
are grouped by it, and updates are ordered by it. Without it (an older instance, a column Baton may not
read), the rows of one second are taken as one update: one second can hold several updates, whose order and
in-between holders are then unknown, so they are one step whose actor is known only if it was one person.
Holders are rebuilt backwards from the ticket as it is now (read in the same poll): the holder after the
latest step is always the ticket's, and before each step is after it with the changed parts put back to
their old values, so no holder is taken from the audit that the ticket does not bear out.

Event ids are `SYS_ID#N` (N the update's record_checkpoint), or `SYS_ID@YYYY-MM-DD HH:MM:SS` (the update's
time) where the rows carry none, so re-reading an update (the audit window overlaps the last read by design)
yields the same id and the inbox takes it once. The latest update's own event is not reported beside a
holder step made by that update.
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
    """One update's change of holder; `group`/`person` are (old, new) names, None where that part did not move.

    `update` is the update's record_checkpoint; None where the rows had none (grouped by their second).
    """

    at: datetime
    actor: str | None
    group: Pair | None = None
    person: Pair | None = None
    update: int | None = None

    def event_id(self, sys_id: str) -> str:
        return event_id(sys_id, self.at) if self.update is None else f"{sys_id}#{self.update}"


def holder_steps(
    rows: Sequence[AuditRow],
    group_name: Callable[[str | None], str | None],
    user_name: Callable[[str | None], str | None],
) -> list[HolderStep]:
    """One ticket's audit rows (any order) as holder steps, oldest first: one step per update."""
    rows = [r for r in rows if r.field in (GROUP_FIELD, PERSON_FIELD)]
    certain = all(r.update is not None for r in rows)
    batches: dict[object, list[AuditRow]] = {}
    for row in sorted(rows, key=lambda r: (r.update, r.at, r.sys_id) if certain else (r.at, r.sys_id)):
        batches.setdefault(row.update if certain else row.at, []).append(row)
    steps = []
    for batch in batches.values():
        users = {r.user for r in batch}
        actor = users.pop() if len(users) == 1 else None  # several people in one second: who came last is unknown
        steps.append(
            HolderStep(
                min(r.at for r in batch),
                actor,
                _pair(batch, GROUP_FIELD, group_name),
                _pair(batch, PERSON_FIELD, user_name),
                batch[0].update if certain else None,
            )
        )
    return steps


def _pair(batch: Sequence[AuditRow], field: str, name: Callable[[str | None], str | None]) -> Pair | None:
    """(old, new) of `field` over one update's rows, named; None if the update left it alone."""
    found = _chain([r for r in batch if r.field == field])
    return (name(found[0]), name(found[1])) if found else None


def _chain(rows: Sequence[AuditRow]) -> tuple[str | None, str | None] | None:
    """(old, new) of one field over rows of one update or one second: the value it had before the first row
    and after the last, found by linking each row's old value to another's new value (their order in one
    second is not known); rows that form no chain keep the order they came in."""
    if not rows:
        return None
    news = [r.new for r in rows]
    olds = [r.old for r in rows]
    first = next((r for r in rows if r.old not in news or news.count(r.old) < olds.count(r.old)), rows[0])
    last = next((r for r in reversed(rows) if r.new not in olds or olds.count(r.new) < news.count(r.new)), rows[-1])
    return first.old, last.new


def holders_around(steps: Sequence[HolderStep], now: Pair) -> tuple[Pair, list[tuple[Pair, Pair]]]:
    """(the holder before the first step, [(before, after) for each step]), walking back from `now`.

    The holder after a step is the holder before the next one (after the latest: `now`), never a new value
    the audit names that the ticket does not bear out (a change the audit does not show lies between).
    """
    after, around = now, []
    for step in reversed(steps):
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


def ticket_events(
    instance: str,
    view: TicketView,
    steps: Sequence[HolderStep],
    *,
    created_after: datetime | None,
    resolved_states: frozenset[str],
    account: str | None,
) -> list[ToolEvent]:
    """One ticket's events: its creation (if after `created_after`), each holder step, its latest update.

    Re-reading yields the same events with the same ids; the inbox takes each once.
    """
    record = view.record
    key = TicketKey(instance, record.number or record.sys_id)
    updated_at = record.updated_at
    steps = [s for s in steps if not _newer(s, record)]  # the next read's
    start, around = holders_around(steps, view.holder)

    def event(
        kind: ToolEventKind,
        at: datetime,
        actor: str | None,
        old: Pair | None = None,
        new: Pair | None = None,
        suffix: str = "",
        ident: str = "",
    ) -> ToolEvent:
        return ToolEvent(
            ticket=key,
            event_id=(ident or event_id(record.sys_id, at)) + suffix,
            kind=kind,
            at=at,
            actor=actor,
            old_holder=_holder(old),
            new_holder=_holder(new),
            fields=dict(view.fields),
        )

    events: list[ToolEvent] = []
    created_at = record.created_at
    if created_at is not None and created_after is not None and created_at > created_after:
        # a holder set in the creating update (audited inserts) is the creation's holder, not a change
        folded = [
            i
            for i, s in enumerate(steps)
            if s.update == 0 or (s.update is None and s.at == created_at and s.actor == record.created_by)
        ]
        holder = around[folded[-1]][1] if folded else start
        events.append(event(ToolEventKind.CREATED, created_at, record.created_by, new=holder, suffix=":created"))
        steps = [s for i, s in enumerate(steps) if i not in folded]
        around = [a for i, a in enumerate(around) if i not in folded]
    latest_step = False
    for step, (before, after) in zip(steps, around, strict=True):
        latest = step.update == record.mod_count if step.update is not None else step.at == updated_at
        if before == after:
            continue  # rows the ticket does not bear out (the changes they name were undone unseen): no move
        latest_step = latest_step or latest
        # the last writer of a second several people wrote in is known from the ticket when it was the latest
        actor = record.updated_by if step.actor is None and latest else step.actor
        events.append(
            event(ToolEventKind.HOLDER_CHANGED, step.at, actor, before, after, ident=step.event_id(record.sys_id))
        )
    # The latest update, for its facts and as activity; not when a holder step or the creation was that
    # update, and not when it was Baton's own (a note Baton wrote is not the ticket's activity).
    if (
        updated_at is not None
        and not latest_step
        and updated_at != created_at
        and (account is None or record.updated_by != account)
    ):
        kind = ToolEventKind.RESOLVED if record.state in resolved_states else ToolEventKind.UPDATED
        events.append(event(kind, updated_at, record.updated_by))
    return events


def _newer(step: HolderStep, record: SnTicket) -> bool:
    """Whether a step was made after the ticket was read (the audit is read after the tickets)."""
    if step.update is not None and record.mod_count is not None:
        return step.update > record.mod_count
    return record.updated_at is not None and step.at > record.updated_at


def _holder(pair: Pair | None) -> Holder | None:
    if pair is None or not pair[0]:
        return None  # ServiceNow allows assigned_to without a group; Baton's holders need a group
    return Holder(pair[0], pair[1])
