"""Jira changes as Baton's events. Pure: no I/O.

One changelog history is one edit: the group field and the assignee changed together are one change of
holder, never two. Holders are rebuilt by rewinding from the issue as it is now: each history's items
say what the fields were before it (`from`), so walking histories newest first gives the holder before
and after every one of them. A history that also sets or clears the resolution gives a second event
(resolved / reopened), so that neither the move nor the resolution is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from baton_itsm.connectors.jira.mapping import Reader, ToolHolder, fields_of, parse_time
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind

# A history this close to the issue's creation is the creation itself (the initial field values).
CREATION = timedelta(seconds=1)


@dataclass(frozen=True)
class Moment:
    """Who made a change, when, and the event id it gets (the tool's own: stable across reads)."""

    event_id: str
    at: datetime
    actor: str | None


def _name(item: Mapping) -> set[str]:
    return {str(item.get(k)).lower() for k in ("fieldId", "field") if item.get(k)}


def rewind(
    reader: Reader, fields: Mapping, after: ToolHolder, items: Iterable[Mapping]
) -> tuple[ToolHolder, ToolEventKind | None]:
    """The holder before a history whose result is `after`, and `resolved`/`reopened` if it did that."""
    spec = reader.group_spec(fields)
    project = fields.get("project") or {}
    lifecycle: ToolEventKind | None = None
    before, group_items = after, 0
    for item in items:
        names = _name(item)
        if "assignee" in names:
            # Cloud repeats the accountId in tmpFromAccountId; older payloads and DC give a name or key
            before = replace(before, person=reader.people.canonical(item.get("tmpFromAccountId") or item.get("from")))
        elif names & spec.names():
            old = item.get("fromString")
            if spec.resolved_kind == "project":  # from/to are project ids; the key is known for the current one
                old = project.get("key") if item.get("from") and item.get("from") == project.get("id") else old
            # a component move is two items, `remove` (from: the old one) and `add` (from: nothing)
            if old or not group_items:
                before = replace(before, group=old or None)
            group_items += 1 if old else 0
        elif "resolution" in names:
            if item.get("to") and not item.get("from"):
                lifecycle = ToolEventKind.RESOLVED
            elif item.get("from") and not item.get("to"):
                lifecycle = ToolEventKind.REOPENED
    return before, lifecycle


def change_events(
    reader: Reader,
    key: TicketKey,
    moment: Moment,
    before: ToolHolder,
    after: ToolHolder,
    lifecycle: ToolEventKind | None,
    facts: Mapping[str, str],
) -> list[ToolEvent]:
    """One history's events: a change of holder and/or a resolution, else a plain update."""
    events = []
    old, new = reader.holder(before), reader.holder(after)
    if old != new and new is not None:
        events.append(
            ToolEvent(
                ticket=key,
                event_id=moment.event_id,
                kind=ToolEventKind.HOLDER_CHANGED,
                at=moment.at,
                actor=moment.actor,
                old_holder=old,
                new_holder=new,
                fields=facts,
            )
        )
    if lifecycle is not None:
        event_id = f"{moment.event_id}:{lifecycle}" if events else moment.event_id
        events.append(
            ToolEvent(
                ticket=key,
                event_id=event_id,
                kind=lifecycle,
                at=moment.at,
                actor=moment.actor,
                fields=facts,
                text=facts.get("resolution", ""),
            )
        )
    if not events:
        events.append(
            ToolEvent(
                ticket=key,
                event_id=moment.event_id,
                kind=ToolEventKind.UPDATED,
                at=moment.at,
                actor=moment.actor,
                fields=facts,
            )
        )
    return events


def plain_text(body: Any) -> str:
    """A comment body as text: API v2 gives wiki markup, v3 an ADF document (its text nodes are joined)."""
    if isinstance(body, str):
        return body
    parts, stack = [], [body]
    while stack:
        node = stack.pop(0)
        if isinstance(node, Mapping):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            stack[:0] = list(node.get("content") or [])
    return " ".join(parts)


def comment_event(reader: Reader, key: TicketKey, comment: Mapping, facts: Mapping[str, str]) -> ToolEvent:
    return ToolEvent(
        ticket=key,
        event_id=f"comment:{comment['id']}",
        kind=ToolEventKind.COMMENTED,
        at=parse_time(comment["created"]),
        actor=reader.people.actor(comment.get("author")),
        fields=facts,
        text=plain_text(comment.get("body", "")),
    )


def comments_of(fields: Mapping) -> list[Mapping]:
    """The issue's comments: `{comments: [...]}` in API v2 and webhooks, a bare list in the v3 docs."""
    value = fields.get("comment")
    listed = value.get("comments") if isinstance(value, Mapping) else value
    return [c for c in listed or [] if isinstance(c, Mapping) and c.get("id") and c.get("created")]


def histories_of(issue: Mapping) -> list[Mapping]:
    """The issue's changelog histories, oldest first (`histories` when embedded, `values` when paged)."""
    changelog = issue.get("changelog") or {}
    histories = changelog.get("histories") or changelog.get("values") or []
    return sorted(histories, key=lambda h: (parse_time(h["created"]), int(h["id"]) if str(h["id"]).isdigit() else 0))


def issue_events(reader: Reader, instance: str, issue: Mapping, since: datetime) -> list[ToolEvent]:
    """Everything that happened to `issue` from `since` on, oldest first (a poll's view of one issue)."""
    fields = fields_of(issue)
    reader.people.learn(issue)
    key, facts = TicketKey(instance, str(issue["id"])), reader.facts(issue)
    created = parse_time(fields["created"]) if fields.get("created") else None
    state = reader.tool_holder(fields)
    events: list[ToolEvent] = []
    for history in reversed(histories_of(issue)):
        at = parse_time(history["created"])
        if at < since or (created is not None and at - created < CREATION):
            break  # older changes were read before; the creation's own history holds the initial values
        before, lifecycle = rewind(reader, fields, state, history.get("items") or [])
        moment = Moment(str(history["id"]), at, reader.people.actor(history.get("author")))
        events[:0] = change_events(reader, key, moment, before, state, lifecycle, facts)
        state = before
    if created is not None and created >= since:
        holder = reader.holder(state)
        creator = fields.get("creator") or fields.get("reporter")
        events.insert(
            0,
            ToolEvent(
                ticket=key,
                event_id=f"created:{issue['id']}",
                kind=ToolEventKind.CREATED,
                at=created,
                actor=reader.people.actor(creator),
                new_holder=holder,
                fields=facts,
            ),
        )
    comments = [comment_event(reader, key, c, facts) for c in comments_of(fields) if parse_time(c["created"]) >= since]
    # Stable: one history's events keep their order, and a comment made with a transition (same instant) comes
    # before the resolution, so the report-back finds it as what the resolver wrote.
    return sorted(comments + events, key=lambda e: e.at)
