"""When the requester may expect an answer: the tool's SLA where the notice carries it, else the rule targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy


@dataclass(frozen=True)
class Eta:
    at: datetime
    source: str  # "sla": the tool's service level; "target": Baton's own staleness target for the group


def _parse(text: object) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return value if value.tzinfo else None  # a time without a zone could be anyone's: better none than wrong


def estimate_eta(change: Mapping[str, Any], facts: TicketFacts, policy: Policy) -> Eta | None:
    """`change` is a status-update notice: its `sla_due` (ISO, from the connector) wins over the rule target."""
    if (due := _parse(change.get("sla_due"))) is not None:
        return Eta(due, "sla")
    since, holder = _parse(change.get("at")), change.get("holder")
    if since is None or not holder:
        return None
    group = Holder.parse(holder).group
    rule = policy.stale_rule(facts, group)
    minutes = rule and (rule.remind_after or rule.escalate_after)
    if not minutes:
        return None
    # The holder is reminded when the ticket sits this long without an update: that is the promise we can make.
    return Eta(policy.calendar_for(group).add(since, minutes), "target")
