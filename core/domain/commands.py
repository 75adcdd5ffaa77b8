"""Commands: what someone (a person, a rule, the CLI, the API) asks the protocol to do."""

from __future__ import annotations

from dataclasses import dataclass

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.review_commands import ReviewCommand


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestHandoff:
    ticket: TicketKey
    handoff_id: str
    to_holder: Holder
    by: str
    reason: str
    kind: HandoffKind = HandoffKind.REASSIGN
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptHandoff:
    ticket: TicketKey
    handoff_id: str
    by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclineHandoff:
    ticket: TicketKey
    handoff_id: str
    by: str
    reason: str  # words; may start with a catalog code
    reason_code: str = ""  # a code of the desk's decline catalog (rules.decline_reasons)


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawHandoff:
    ticket: TicketKey
    handoff_id: str
    by: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireHandoff:
    """Sent by the scheduler when a request's acceptance timer runs out."""

    ticket: TicketKey
    handoff_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ForceHandoff:
    ticket: TicketKey
    handoff_id: str
    to_holder: Holder
    by: str
    reason: str
    kind: HandoffKind = HandoffKind.REASSIGN
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordHolderChange:
    """A holder change seen in the help-desk tool, to be written to the ledger as it happened."""

    ticket: TicketKey
    to_holder: Holder
    by: str | None
    source_event_id: str = ""


Command = (
    RequestHandoff
    | AcceptHandoff
    | DeclineHandoff
    | WithdrawHandoff
    | ExpireHandoff
    | ForceHandoff
    | RecordHolderChange
    | ReviewCommand
)
