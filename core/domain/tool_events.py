"""What a connector reports from a help-desk tool, in Baton's words (normalised events)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from baton_itsm.core.domain.holders import Holder, TicketKey


class ToolEventKind(StrEnum):
    CREATED = "created"
    HOLDER_CHANGED = "holder-changed"  # group and/or person changed
    UPDATED = "updated"  # any other change that counts as activity (status, fields)
    COMMENTED = "commented"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    DELETED = "deleted"  # the ticket was deleted in the tool
    # Not a change: the ticket's state as the tool shows it now (new_holder; fields["lost"] = deleted | hidden when
    # Baton cannot see it), read where the tool's change log does not explain it. The ledger follows it.
    OBSERVED = "observed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolEvent:
    """One change seen in a tool. `event_id` is the tool's own id (transaction, audit row, delivery)
    and is what makes a repeat a no-op. Holders are None where the tool had none (unassigned)."""

    ticket: TicketKey
    event_id: str
    kind: ToolEventKind
    at: datetime
    actor: str | None = None
    old_holder: Holder | None = None
    new_holder: Holder | None = None
    # Ticket facts the rules read, as the tool states them now: priority, category, status, requester...
    fields: Mapping[str, str] = field(default_factory=dict)
    text: str = ""  # a comment's body, for comment commands
    # The ids of the tool's further changes this event stands for: one write the tool logged as several changes
    # (core/domain/writes.py), named by the first. Kept as taken, so neither path takes them again on their own.
    joined_ids: tuple[str, ...] = ()
