"""The handoff protocol: given a ticket, a command and the time, decide the events (or refuse).

Rules enforced here:
- one holder at a time, and at most one open handoff per ticket;
- a request needs a reason and a receiver in a known group (a named receiver must be a member);
- only the named receiver, a member of the receiving group (for a queue request), or a manager of the
  receiving group can accept or decline; a decline needs a reason (a code of the desk's catalog, or free
  text where the desk allows it: domain/decline_reasons.py);
- only a manager of the current or the receiving group can force; the ledger records who forced;
- a rule of the deployment acts as a system actor (`rule:NAME`): it may force (category routing) and
  withdraw, and the ledger names the rule.
Reviews of handoffs and escalations follow their own rules (domain/review_protocol.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from baton_itsm.core.domain.commands import (
    AcceptHandoff,
    Command,
    DeclineHandoff,
    ExpireHandoff,
    ForceHandoff,
    RecordHolderChange,
    RequestHandoff,
    WithdrawHandoff,
)
from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.events import (
    HandoffAccepted,
    HandoffApplied,
    HandoffDeclined,
    HandoffExpired,
    HandoffForced,
    HandoffRequested,
    HandoffWithdrawn,
    HolderChanged,
    LedgerEvent,
)
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.protocol_errors import InvalidRequest, InvalidTransition, NotAllowed, UnknownHandoff
from baton_itsm.core.domain.review_protocol import REVIEW_HANDLERS
from baton_itsm.core.domain.ticket import HandoffRecord, Ticket


def decide(ticket: Ticket, command: Command, *, now: datetime, directory: Directory) -> list[LedgerEvent]:
    """The events that `command` causes on `ticket` at `now`; raises a ProtocolError to refuse."""
    handler = HANDLERS[type(command)]
    if ticket.lost and isinstance(command, (RequestHandoff, AcceptHandoff, ForceHandoff)):
        why = "was deleted in the tool" if ticket.lost == "deleted" else "is where Baton's account cannot see it"
        raise InvalidRequest(f"{ticket.key} {why}: Baton moves it no more (the ledger keeps its history)")
    return handler(ticket, command, now, directory)


SYSTEM_PREFIX = "rule:"


def is_system_actor(actor: str | None) -> bool:
    return actor is not None and actor.startswith(SYSTEM_PREFIX)


def may_receive(person: str, receiver: Holder, directory: Directory) -> bool:
    """Whether `person` can accept or decline a handoff addressed to `receiver`."""
    if directory.is_manager(person, receiver.group):
        return True
    if receiver.person is not None:
        return person == receiver.person
    return directory.is_member(person, receiver.group)


def request_handoff(ticket: Ticket, cmd: RequestHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    _check_receiver(ticket, cmd.to_holder, directory)
    _need_text(cmd.reason, "a handoff request needs a reason")
    _check_new_id(ticket, cmd.handoff_id)
    if (open_handoff := ticket.open_handoff()) is not None:
        raise InvalidRequest(
            f"{ticket.key} already has an open handoff {open_handoff.handoff_id} to {open_handoff.to_holder}; "
            "withdraw it first"
        )
    return [
        HandoffRequested(
            ticket=ticket.key,
            at=now,
            by=cmd.by,
            handoff_id=cmd.handoff_id,
            from_holder=ticket.holder,
            to_holder=cmd.to_holder,
            kind=cmd.kind,
            reason=cmd.reason.strip(),
            summary=cmd.summary.strip(),
        )
    ]


def accept_handoff(ticket: Ticket, cmd: AcceptHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    record = _requested(ticket, cmd.handoff_id, "accepted")
    if not may_receive(cmd.by, record.to_holder, directory):
        raise NotAllowed(f"{cmd.by} cannot accept handoff {cmd.handoff_id}: {_receivers(record.to_holder)}")
    receiver = record.to_holder
    if receiver.is_queue and directory.is_member(cmd.by, receiver.group):
        receiver = Holder(receiver.group, cmd.by)  # a member accepting from the queue takes the ticket
    return [
        HandoffAccepted(ticket=ticket.key, at=now, by=cmd.by, handoff_id=cmd.handoff_id),
        HandoffApplied(
            ticket=ticket.key,
            at=now,
            by=cmd.by,
            handoff_id=cmd.handoff_id,
            from_holder=ticket.holder,
            to_holder=receiver,
        ),
    ]


def decline_handoff(ticket: Ticket, cmd: DeclineHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    record = _requested(ticket, cmd.handoff_id, "declined")
    if not may_receive(cmd.by, record.to_holder, directory):
        raise NotAllowed(f"{cmd.by} cannot decline handoff {cmd.handoff_id}: {_receivers(record.to_holder)}")
    said = directory.declines.resolve(cmd.reason_code, cmd.reason)
    return [
        HandoffDeclined(
            ticket=ticket.key,
            at=now,
            by=cmd.by,
            handoff_id=cmd.handoff_id,
            reason=said.reason,
            reason_code=said.code,
            reassignable=said.reassignable,
            suggested_group=said.suggested_group,
        )
    ]


def withdraw_handoff(ticket: Ticket, cmd: WithdrawHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    record = _requested(ticket, cmd.handoff_id, "withdrawn")
    sender_group = record.from_holder.group if record.from_holder else None
    if (
        cmd.by != record.requested_by
        and not is_system_actor(cmd.by)
        and not directory.manages_any(cmd.by, sender_group, record.to_holder.group)
    ):
        raise NotAllowed(
            f"{cmd.by} cannot withdraw handoff {cmd.handoff_id}: only {record.requested_by} who asked for it "
            "or a manager of either group can"
        )
    return [
        HandoffWithdrawn(ticket=ticket.key, at=now, by=cmd.by, handoff_id=cmd.handoff_id, reason=cmd.reason.strip())
    ]


def expire_handoff(ticket: Ticket, cmd: ExpireHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    _requested(ticket, cmd.handoff_id, "expired")
    return [HandoffExpired(ticket=ticket.key, at=now, by=None, handoff_id=cmd.handoff_id)]


def force_handoff(ticket: Ticket, cmd: ForceHandoff, now: datetime, directory: Directory) -> list[LedgerEvent]:
    _check_receiver(ticket, cmd.to_holder, directory)
    _need_text(cmd.reason, "a forced handoff needs a reason")
    _check_new_id(ticket, cmd.handoff_id)
    current_group = ticket.holder.group if ticket.holder else None
    if not is_system_actor(cmd.by) and not directory.manages_any(cmd.by, current_group, cmd.to_holder.group):
        raise NotAllowed(
            f"{cmd.by} cannot force a handoff of {ticket.key}: only a manager of "
            f"{_either(current_group, cmd.to_holder.group)} can"
        )
    events: list[LedgerEvent] = []
    if (open_handoff := ticket.open_handoff()) is not None:
        events.append(
            HandoffWithdrawn(
                ticket=ticket.key,
                at=now,
                by=cmd.by,
                handoff_id=open_handoff.handoff_id,
                reason=f"superseded by forced handoff {cmd.handoff_id}",
            )
        )
    events.append(
        HandoffForced(
            ticket=ticket.key,
            at=now,
            by=cmd.by,
            handoff_id=cmd.handoff_id,
            from_holder=ticket.holder,
            to_holder=cmd.to_holder,
            kind=cmd.kind,
            reason=cmd.reason.strip(),
            summary=cmd.summary.strip(),
        )
    )
    events.append(
        HandoffApplied(
            ticket=ticket.key,
            at=now,
            by=cmd.by,
            handoff_id=cmd.handoff_id,
            from_holder=ticket.holder,
            to_holder=cmd.to_holder,
        )
    )
    return events


def record_holder_change(
    ticket: Ticket, cmd: RecordHolderChange, now: datetime, directory: Directory
) -> list[LedgerEvent]:
    if cmd.to_holder == ticket.holder:
        return []
    return [
        HolderChanged(
            ticket=ticket.key,
            at=now,
            by=cmd.by,
            from_holder=ticket.holder,
            to_holder=cmd.to_holder,
            source_event_id=cmd.source_event_id,
        )
    ]


def _check_receiver(ticket: Ticket, receiver: Holder, directory: Directory) -> None:
    if not directory.knows(receiver.group):
        known = ", ".join(sorted(directory.groups)) or "none are configured (run `baton init`)"
        raise InvalidRequest(f"unknown group {receiver.group!r}; known groups: {known}")
    if receiver.person is not None and not directory.is_member(receiver.person, receiver.group):
        raise InvalidRequest(f"{receiver.person} is not a member of {receiver.group}")
    if receiver == ticket.holder:
        raise InvalidRequest(f"{receiver} already holds {ticket.key}")


def _check_new_id(ticket: Ticket, handoff_id: str) -> None:
    if handoff_id in ticket.handoffs:
        raise InvalidRequest(f"handoff id {handoff_id} is already used on {ticket.key}")


def _requested(ticket: Ticket, handoff_id: str, becoming: str) -> HandoffRecord:
    record = ticket.handoff(handoff_id)
    if record is None:
        raise UnknownHandoff(f"no handoff {handoff_id} on {ticket.key}")
    if record.state is not HandoffState.REQUESTED:
        raise InvalidTransition(f"handoff {handoff_id} is already {record.state}; it cannot be {becoming} now")
    return record


def _need_text(text: str, message: str) -> None:
    if not text or not text.strip():
        raise InvalidRequest(message)


def _receivers(receiver: Holder) -> str:
    if receiver.person:
        return f"it is addressed to {receiver.person} (or a manager of {receiver.group})"
    return f"it is addressed to the {receiver.group} queue (its members or managers)"


def _either(first: str | None, second: str) -> str:
    return second if first in (None, second) else f"{first} or {second}"


# Each handler takes its own command type, which a dict keyed by type cannot express: decide() looks it up by
# type(command), so a handler is always called with its own.
Handler = Callable[[Ticket, Any, datetime, Directory], list[LedgerEvent]]
HANDLERS: dict[type, Handler] = {
    RequestHandoff: request_handoff,
    AcceptHandoff: accept_handoff,
    DeclineHandoff: decline_handoff,
    WithdrawHandoff: withdraw_handoff,
    ExpireHandoff: expire_handoff,
    ForceHandoff: force_handoff,
    RecordHolderChange: record_holder_change,
    **REVIEW_HANDLERS,
}
