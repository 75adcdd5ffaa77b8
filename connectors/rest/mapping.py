"""Reading a tool's JSON by the profile's paths: changes, tickets, and write answers. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from baton_itsm.connectors.common import MalformedPayload, parse_time
from baton_itsm.connectors.rest.profile import ItemPaths, KindRule, TicketShape
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.facts import PUBLIC, VISIBILITY


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (`Owner.id`, `Requestor.0.id`); None where the path leads nowhere."""
    for step, index in _steps(path):
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and index is not None and index < len(data):
            data = data[index]
        else:
            return None
    return data


@lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[tuple[str, int | None], ...]:
    """A path's steps, each with its list index if it is one: a profile's few paths, read ~35 times a delivery."""
    return tuple((step, int(step) if step.isdecimal() else None) for step in path.split("."))


def text(value: Any) -> str | None:
    """A tool value as text; empty means absent."""
    if value is None or value == "":
        return None
    return str(value)


@dataclass(frozen=True)
class RawChange:
    """A change as the tool lists it; `old`/`new` may still be ids that need naming."""

    event_id: str
    ticket_id: str
    at: datetime
    actor: str | None
    type: str
    field: str | None
    old: str | None
    new: str | None


def read_change(item: Any, paths: ItemPaths) -> RawChange:
    event_id, ticket_id, change_type = (text(dig(item, p)) for p in (paths.id, paths.ticket, paths.type))
    if not (event_id and ticket_id and change_type):
        raise MalformedPayload(f"a change without an id, ticket or type: {str(item)[:200]}")
    return RawChange(
        event_id=event_id,
        ticket_id=ticket_id,
        at=parse_time(dig(item, paths.at)),
        actor=text(dig(item, paths.actor)),
        type=change_type,
        field=text(dig(item, paths.field)),
        old=text(dig(item, paths.old)),
        new=text(dig(item, paths.new)),
    )


def classify(change: RawChange, rules: Sequence[KindRule]) -> KindRule | None:
    """The first rule the change matches; None means Baton does not watch it."""
    for rule in rules:
        if rule.type != change.type or (rule.field is not None and rule.field != change.field):
            continue
        if rule.old is not None and change.old not in rule.old:
            continue
        if rule.new is not None and change.new not in rule.new:
            continue
        return rule
    return None


def public_ids(watched: Sequence[tuple[RawChange, KindRule]]) -> frozenset[str]:
    """The ids of the watched changes that are public comments (a rule with `public: true`)."""
    return frozenset(raw.event_id for raw, rule in watched if rule.public)


def mark_public(events: Sequence[ToolEvent], public: frozenset[str]) -> list[ToolEvent]:
    """Events of public comments say so in their fields: the rules keep them as replies, never as commands."""
    return [replace(e, fields={**e.fields, VISIBILITY: PUBLIC}) if e.event_id in public else e for e in events]


@dataclass(frozen=True)
class RawTicket:
    ticket_id: str
    group: str | None  # may be an id to name (shape.group_lookup)
    person: str | None
    fields: dict[str, str]


def read_ticket(item: Any, shape: TicketShape) -> RawTicket:
    ticket_id = text(dig(item, shape.id))
    if ticket_id is None:
        raise MalformedPayload(f"a ticket without an id: {str(item)[:200]}")
    fields = {name: value for name, path in shape.fields.items() if (value := text(dig(item, path))) is not None}
    return RawTicket(ticket_id, text(dig(item, shape.group)), text(dig(item, shape.person)), fields)


def unaccepted_messages(answer: Any, patterns: Sequence[str]) -> list[str]:
    """Messages in a write's answer that do not say the change was done (RT answers 200 to refusals)."""
    if not isinstance(answer, list):
        raise MalformedPayload(f"expected a list of messages, got {str(answer)[:200]}")
    compiled = [re.compile(p) for p in patterns]
    return [str(m) for m in answer if not any(p.search(str(m)) for p in compiled)]
