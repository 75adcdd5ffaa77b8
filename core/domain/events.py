"""Events: what happened. Every event is one append-only ledger entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEvent:
    ticket: TicketKey
    at: datetime
    by: str | None
    entry_type: ClassVar[str] = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffRequested(LedgerEvent):
    handoff_id: str
    from_holder: Holder | None
    to_holder: Holder
    kind: HandoffKind
    reason: str
    summary: str = ""
    entry_type: ClassVar[str] = "requested"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffAccepted(LedgerEvent):
    handoff_id: str
    entry_type: ClassVar[str] = "accepted"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffForced(LedgerEvent):
    """A manager moved the ticket without the receiver's acceptance; `by` is the manager."""

    handoff_id: str
    from_holder: Holder | None
    to_holder: Holder
    kind: HandoffKind
    reason: str
    summary: str = ""
    entry_type: ClassVar[str] = "forced"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffApplied(LedgerEvent):
    """The ticket's holder changed because of an accepted or forced handoff."""

    handoff_id: str
    from_holder: Holder | None
    to_holder: Holder
    entry_type: ClassVar[str] = "applied"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffDeclined(LedgerEvent):
    handoff_id: str
    reason: str
    reason_code: str = ""  # the catalog's code; empty for a free-text decline
    reassignable: bool = True  # False: the ticket stays with (returns to) the sender
    suggested_group: str | None = None  # where the decliner says the ticket belongs
    entry_type: ClassVar[str] = "declined"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffExpired(LedgerEvent):
    handoff_id: str
    entry_type: ClassVar[str] = "expired"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffWithdrawn(LedgerEvent):
    handoff_id: str
    reason: str = ""
    entry_type: ClassVar[str] = "withdrawn"


@dataclass(frozen=True, slots=True, kw_only=True)
class HolderChanged(LedgerEvent):
    """The tool shows a new holder that no handoff of Baton's applied (a push, a pull, an import)."""

    from_holder: Holder | None
    to_holder: Holder
    source_event_id: str = ""
    cause: str = ""  # pull, triage, release, exempt, flagged, baton, first-seen, import
    entry_type: ClassVar[str] = "holder-changed"


EVENT_TYPES: dict[str, type[LedgerEvent]] = {
    cls.entry_type: cls
    for cls in (
        HandoffRequested,
        HandoffAccepted,
        HandoffForced,
        HandoffApplied,
        HandoffDeclined,
        HandoffExpired,
        HandoffWithdrawn,
        HolderChanged,
    )
}
