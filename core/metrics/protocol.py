"""What the handoff protocol records: acceptance times, decline reasons, escalations, reopens.

Declines are counted by their text, and by the desk's reason code per receiving group and per period the
ticket was opened in (a free-text decline counts under `(free text)`).

The receivers' reviews of handoffs are core/metrics/review_scores.py's."""

from __future__ import annotations

from collections import Counter

from baton_itsm.core.metrics.stats import duration_summary, minutes, share
from baton_itsm.core.metrics.views import TicketView

FREE_TEXT = "(free text)"


class ProtocolTally:
    """Handoffs by state, acceptance times, declines, escalations and rule outcomes, a ticket at a time."""

    def __init__(self) -> None:
        self.acceptance: list[float] = []
        self.declines: Counter[str] = Counter()
        self.decline_codes: Counter[tuple[str, str, str]] = Counter()  # (code, receiving group, period)
        self.states: Counter[str] = Counter()
        self.escalations: Counter[str] = Counter()
        self.rule_outcomes: Counter[str] = Counter()

    def add(self, view: TicketView, period: str = "") -> None:
        for record in view.handoffs.values():
            self.states[record.state] += 1
            if record.kind and record.kind != "reassign":
                self.escalations[record.kind] += 1
            if record.state in ("accepted", "applied") and not record.forced and record.decided_at:
                self.acceptance.append(minutes(record.requested_at, record.decided_at))
            if record.state == "declined":
                self.declines[record.decline_reason or "(no reason given)"] += 1
                self.decline_codes[(record.decline_code or FREE_TEXT, record.to_group or "", period)] += 1
        for _, rule, outcome in view.rules:
            self.rule_outcomes[f"{rule}: {outcome}"] += 1

    def result(self) -> dict:
        return {
            "handoffs": dict(self.states),
            "acceptance_minutes": duration_summary(self.acceptance),
            "decline_reasons": [{"reason": r, "count": n} for r, n in self.declines.most_common()],
            "declines_by_code": [
                {"code": code, "group": group, "period": period, "count": n}
                for (code, group, period), n in sorted(self.decline_codes.items())
            ],
            "escalations_by_kind": [{"kind": k, "count": n} for k, n in self.escalations.most_common()],
            "escalations_by_rule": [{"rule": k, "count": n} for k, n in self.rule_outcomes.items() if "escalated" in k],
            "rule_outcomes": dict(self.rule_outcomes),
        }


class ReopenTally:
    """Share of tickets reopened at least once (from the imported history's reopen count)."""

    def __init__(self) -> None:
        self.known = self.reopened = 0

    def add(self, view: TicketView) -> None:
        count = view.summary.get("reopen_count") if view.summary else None
        if count is not None:
            self.known += 1
            self.reopened += count > 0

    def result(self) -> dict:
        return {"tickets": self.known, "reopened": self.reopened, "rate": share(self.reopened, self.known)}
