"""Ticket facts as the tool last stated them: what the rules read and the store keeps (the rules import them
through core/rules/facts.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.sla import MalformedSla, Sla
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind

# `requester_name` is the requester's name as the tool has it (RT RealName, ServiceNow sys_user.name, Jira
# displayName): what requester messages greet them by.
FACT_FIELDS = ("subject", "requester", "requester_name", "priority", "category", "status", "url")
RESOLVED_STATUSES = frozenset({"resolved", "closed", "cancelled", "canceled", "done", "rejected"})
# Events that count as activity on the ticket (restart its ageing); a resolution or an observation does not.
ACTIVITY = frozenset(
    {
        ToolEventKind.CREATED,
        ToolEventKind.HOLDER_CHANGED,
        ToolEventKind.UPDATED,
        ToolEventKind.COMMENTED,
        ToolEventKind.REOPENED,
    }
)
# A comment event's `fields` may say who could read it. A public one (RT's Correspond, a reply the requester
# reads, or the requester's own message) is kept as a reply but never runs a `/baton` command.
VISIBILITY, PUBLIC = "comment_visibility", "public"
REPLIES_KEPT = 5  # authors whose latest reply is kept: the resolver's is among them when the ticket resolves
log = logging.getLogger(__name__)
REPLY_CHARS = 4000  # a reply is quoted in an email, not archived: longer ones are cut
# An event's `fields["sla"]` is the tool's SLA as text (Sla.to_text), or "" when the tool tracks none for the ticket;
# an event without the key says nothing about it (a webhook delivery, a tool read without SLAs).
SLA_FIELD = "sla"


@dataclass(frozen=True)
class Reply:
    """The latest comment or reply one person wrote in the ticket, as the tool gave its text."""

    by: str
    at: datetime
    text: str


def replies_to_json(replies: tuple[Reply, ...]) -> list[dict] | None:
    """How the store keeps replies (a JSON column); None for none."""
    return [{"by": r.by, "at": r.at.isoformat(), "text": r.text} for r in replies] or None


def replies_from_json(value: list | None) -> tuple[Reply, ...]:
    return tuple(Reply(r["by"], datetime.fromisoformat(r["at"]), r["text"]) for r in value or ())


@dataclass(frozen=True)
class TicketFacts:
    subject: str | None = None
    requester: str | None = None
    requester_name: str | None = None
    priority: str | None = None
    category: str | None = None
    status: str | None = None
    url: str | None = None
    tool_holder: Holder | None = None  # who the tool shows; differs from the ledger while a push is held
    last_activity_at: datetime | None = None
    unverified: bool = False  # a write of Baton's failed: the tool's holder must be read again
    replies: tuple[Reply, ...] = ()  # each author's latest comment or reply, newest first
    sla: Sla | None = None  # the tool's SLA, as the event that carried it stated it (not kept in the store)

    @property
    def is_resolved(self) -> bool:
        return (self.status or "").strip().lower() in RESOLVED_STATUSES

    def latest_reply(self, by: str | None = None) -> Reply | None:
        """The newest reply, or the newest by `by`."""
        return next((r for r in self.replies if by is None or r.by == by), None)

    def updated_from(self, event: ToolEvent) -> TicketFacts:
        changes: dict = {name: event.fields[name] for name in FACT_FIELDS if event.fields.get(name) is not None}
        if event.new_holder is not None:
            changes["tool_holder"] = event.new_holder
        if event.kind is ToolEventKind.OBSERVED:
            changes["unverified"] = False
        if (
            event.kind in ACTIVITY
            and not self._requester_writing(event)
            and (self.last_activity_at is None or event.at >= self.last_activity_at)
        ):
            changes["last_activity_at"] = event.at
        if event.kind is ToolEventKind.COMMENTED and event.actor and event.text.strip():
            changes["replies"] = self._with_reply(Reply(event.actor, event.at, event.text.strip()[:REPLY_CHARS]))
        if SLA_FIELD in event.fields:
            changes["sla"] = sla_of(event.fields[SLA_FIELD])
        if event.kind is ToolEventKind.DELETED and "status" not in changes:
            changes["status"] = "deleted"
        if event.kind is ToolEventKind.RESOLVED and "status" not in changes:
            changes["status"] = "resolved"
        elif event.kind is ToolEventKind.REOPENED and "status" not in changes:
            changes["status"] = "open"
        return replace(self, **changes)

    def _requester_writing(self, event: ToolEvent) -> bool:
        """The requester's own message is not the desk working the ticket: it does not restart its ageing."""
        requester = event.fields.get("requester") or self.requester
        return (
            event.kind is ToolEventKind.COMMENTED
            and event.fields.get(VISIBILITY) == PUBLIC
            and event.actor is not None
            and event.actor == requester
        )

    def _with_reply(self, reply: Reply) -> tuple[Reply, ...]:
        mine = self.latest_reply(reply.by)
        if mine is not None and mine.at > reply.at:
            return self.replies  # an older reply read again (a re-read window) does not hide the newer one
        others = [r for r in self.replies if r.by != reply.by]
        return tuple(sorted([reply, *others], key=lambda r: r.at, reverse=True)[:REPLIES_KEPT])


def sla_of(text: str | None) -> Sla | None:
    """The SLA a connector passed; none for "" (the tool tracks none) and for text it could not have meant."""
    if not text:
        return None
    try:
        return Sla.from_text(text)
    except MalformedSla as error:  # a connector's fault, not the ticket's: said, and the stale rule ages it
        log.warning("%s; the ticket is treated as one without an SLA", error)
        return None
