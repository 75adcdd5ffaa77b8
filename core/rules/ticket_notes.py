"""Notes in the ticket: agents who never leave their tool see each of Baton's decisions there, once.

One note per protocol event (request, acceptance, decline, withdrawal, expiry, force) and per reminder or stale
escalation a rule fires, naming the real receiver.
A push's request is noted by its revert, which posts the note only once the ticket is back; a comment command's
reply is the note of what it did. Nothing is noted on a ticket Baton can no longer see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from baton_itsm.core.domain.events import (
    HandoffApplied,
    HandoffDeclined,
    HandoffExpired,
    HandoffForced,
    HandoffRequested,
    HandoffWithdrawn,
    LedgerEvent,
)
from baton_itsm.core.domain.rule_events import BOUNCE_RULES, RuleFired
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.rules.actions import add_note, receiver_words
from baton_itsm.core.rules.availability import REROUTE_RULES, asked_person, rerouted_requests
from baton_itsm.core.rules.decisions import Outgoing


def ticket_notes(after: Ticket, events: Sequence[LedgerEvent], noted: Iterable[str] = ()) -> list[Outgoing]:
    if after.lost:
        return []
    skip, notes = set(noted), []
    skip.update(
        e.handoff_id
        for e in events  # a stale escalation's note names its request
        if isinstance(e, RuleFired) and e.rule in ("stale", "sla") and e.handoff_id
    )
    reroutes = rerouted_requests(events)
    for event in events:
        if isinstance(event, RuleFired):
            if event.rule in REROUTE_RULES:
                continue  # said in the note of the request it shaped (or of the revert that opened it)
            text = _rule_text(event, after)
            if text:
                notes.append(
                    add_note(
                        after.key,
                        text,
                        key=f"note:{after.key}:{event.rule}:{event.outcome}:{event.handoff_id or event.at.isoformat()}",
                    )
                )
            continue
        handoff_id = getattr(event, "handoff_id", None)
        if handoff_id is None or handoff_id in skip:
            continue
        record = after.handoff(handoff_id)
        text = _text(event, record)
        if text and isinstance(event, HandoffRequested) and (rerouted := reroutes.get(handoff_id)):
            text += f" Sent to them instead of {asked_person(rerouted)}: {rerouted.reason}."
        if text:
            notes.append(add_note(after.key, text, key=f"note:{after.key}:{handoff_id}:{event.entry_type}"))
    return notes


def _rule_text(event: RuleFired, after: Ticket) -> str | None:
    """Reminders and stale escalations; an expiry and a push are noted by their handoff's own note."""
    to = event.to_holder  # set by every rule below but an escalation with nowhere further to go
    if event.rule == "acceptance-timeout" and event.outcome == "reminded" and to is not None:
        return (
            f"Reminder: handoff request {event.handoff_id} still waits for {receiver_words(to)} "
            "to accept or decline it."
        )
    if event.rule == "stale" and event.outcome == "reminded" and to is not None:
        return f"Reminder to {receiver_words(to)}: {event.reason}; Baton escalates if it stays so."
    if event.rule == "stale" and event.outcome == "escalated":
        return _escalated("Escalated", event)
    if event.rule in BOUNCE_RULES and to is not None:
        what = "Ping-pong" if event.rule == "ping-pong" else "Bounce limit"
        lead = (
            f"Baton escalated it to {to.person}, lead of {to.group}, to coordinate."
            if to.person
            else f"{to.group} has no lead configured to coordinate it."
        )
        return (
            f"{what}: {event.reason}. Accountable owner: {event.owner or 'nobody yet'}. {lead} "
            f"First assigned by: {event.first_route or 'unknown'}."
        )
    if event.rule == "sla" and event.outcome == "reminded" and to is not None:
        return f"SLA reminder to {receiver_words(to)}: {event.reason}."
    if event.rule == "sla" and event.outcome == "escalated":
        return _escalated("SLA escalation", event)
    return None


def _escalated(what: str, event: RuleFired) -> str:
    onward = (
        f"; handoff request {event.handoff_id} asks {receiver_words(event.to_holder)} to take it"
        if event.handoff_id and event.to_holder
        else ""
    )
    group = event.from_holder.group if event.from_holder is not None else "its group"  # set by every escalation
    return f"{what}: {event.reason}. The lead of {group} is told{onward}."


def _text(event: LedgerEvent, record) -> str | None:
    receiver = receiver_words(record.to_holder) if record else ""
    match event:
        case HandoffRequested():
            return (
                f"{event.by} asks {receiver} to take this ticket (handoff request {event.handoff_id}): "
                f"{event.reason}. The ticket moves when they accept."
            )
        case HandoffForced():
            return (
                f"{event.by} moved this ticket to {event.to_holder} without acceptance (forced handoff "
                f"{event.handoff_id}): {event.reason}."
            )
        case HandoffApplied() if not record.forced:
            return (
                f"{event.by} accepted handoff request {event.handoff_id}; Baton moves the ticket to {event.to_holder}."
            )
        case HandoffDeclined():
            code = f" [{event.reason_code}]" if event.reason_code else ""
            stays = (
                "The ticket stays where it is; its sender is told."
                if event.reassignable
                else "It must not go elsewhere: the ticket stays with its sender, who is told."
            )
            elsewhere = f" Suggested instead: {event.suggested_group}." if event.suggested_group else ""
            return (
                f"{event.by} declined handoff request {event.handoff_id} to {receiver}{code}: {event.reason}. "
                f"{stays}{elsewhere}"
            )
        case HandoffWithdrawn():
            reason = event.reason or "no reason given"
            return f"Handoff request {event.handoff_id} to {receiver} was withdrawn: {reason}."
        case HandoffExpired():
            return (
                f"Handoff request {event.handoff_id} to {receiver} expired without an answer; "
                "the receiving group's lead is told."
            )
    return None
