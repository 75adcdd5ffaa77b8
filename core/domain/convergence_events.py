"""Ledger entries of convergence: where the tool and Baton's decisions parted, said in the ledger.

The tool is the truth about who holds a ticket. When a write Baton decided fails for good, the ledger says so
against the decision it served (ActionFailed); when the tool's holder differs from the ledger's and no write of
Baton's explains it, the ledger follows the tool with a HolderChanged(cause="reconciled"); when Baton can no longer
see a ticket (deleted, or moved where Baton's account may not look), TicketLost records it and closes what was open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from baton_itsm.core.domain.events import EVENT_TYPES, LedgerEvent
from baton_itsm.core.domain.holders import Holder


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionFailed(LedgerEvent):
    """A tool action failed for good. `by` is None; `decision` is the outbox key of the action, `action` what it
    was (revert, apply, note), `to_holder` the holder it wanted, `reason` the tool's answer."""

    action: str
    decision: str
    to_holder: Holder | None = None
    handoff_id: str | None = None
    reason: str = ""
    entry_type: ClassVar[str] = "action-failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketLost(LedgerEvent):
    """Baton can no longer see the ticket: `reason` is `deleted` or `hidden` (moved where Baton may not look)."""

    reason: str
    source_event_id: str = ""
    entry_type: ClassVar[str] = "ticket-lost"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFound(LedgerEvent):
    """A ticket Baton had lost sight of is visible again, where the ledger left it (else a reconciling entry)."""

    source_event_id: str = ""
    entry_type: ClassVar[str] = "ticket-found"


for _cls in (ActionFailed, TicketLost, TicketFound):
    EVENT_TYPES[_cls.entry_type] = _cls
