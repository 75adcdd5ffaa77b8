"""What the handoff protocol records: acceptance times, decline reasons, escalations, reopens.

The receivers' reviews of handoffs are core/metrics/reviews.py's."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from baton_itsm.core.metrics.stats import duration_summary, minutes, share
from baton_itsm.core.metrics.views import TicketView


def protocol_metrics(views: Sequence[TicketView]) -> dict:
    acceptance, declines, states = [], Counter(), Counter()
    escalations: Counter[str] = Counter()
    rule_outcomes: Counter[str] = Counter()
    for view in views:
        for record in view.handoffs.values():
            states[record.state] += 1
            if record.kind and record.kind != "reassign":
                escalations[record.kind] += 1
            if record.state in ("accepted", "applied") and not record.forced and record.decided_at:
                acceptance.append(minutes(record.requested_at, record.decided_at))
            if record.state == "declined":
                declines[record.decline_reason or "(no reason given)"] += 1
        for _, rule, outcome in view.rules:
            rule_outcomes[f"{rule}: {outcome}"] += 1
    return {
        "handoffs": dict(states),
        "acceptance_minutes": duration_summary(acceptance),
        "decline_reasons": [{"reason": r, "count": n} for r, n in declines.most_common()],
        "escalations_by_kind": [{"kind": k, "count": n} for k, n in escalations.most_common()],
        "escalations_by_rule": [{"rule": k, "count": n} for k, n in rule_outcomes.items() if "escalated" in k],
        "rule_outcomes": dict(rule_outcomes),
    }


def reopen_metrics(views: Sequence[TicketView]) -> dict:
    """Share of tickets reopened at least once (from the imported history's reopen count)."""
    known = [view.summary["reopen_count"] for view in views
             if view.summary and view.summary.get("reopen_count") is not None]
    reopened = sum(1 for count in known if count > 0)
    return {"tickets": len(known), "reopened": reopened, "rate": share(reopened, len(known))}
