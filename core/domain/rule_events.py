"""Ledger entries of the rules: what a rule saw and did (a push reverted, a reminder, an escalation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from baton_itsm.core.domain.events import EVENT_TYPES, LedgerEvent
from baton_itsm.core.domain.holders import Holder


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleFired(LedgerEvent):
    """`by` is who caused it (the pusher, or None for a timer); `rule` and `outcome` say what Baton did."""

    rule: str  # accept-before-reassign | acceptance-timeout | stale | category-routing | ping-pong | bounce-limit
    outcome: str  # reverted | held | flagged | reminded | escalated | routed
    from_holder: Holder | None = None
    to_holder: Holder | None = None
    handoff_id: str | None = None
    reason: str = ""
    source_event_id: str = ""
    owner: str | None = None  # ping-pong, bounce-limit: the accountable owner Baton named
    first_route: str | None = None  # ping-pong, bounce-limit: what made the ticket's first assignment
    entry_type: ClassVar[str] = "rule"


# The rules on a ticket's bounces: the first to fire names the owner and escalates; neither fires again on it.
BOUNCE_RULES = frozenset({"ping-pong", "bounce-limit"})


EVENT_TYPES[RuleFired.entry_type] = RuleFired
