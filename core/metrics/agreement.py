"""The tool's own reassignment counter (ServiceNow reassignment_count) beside Baton's derived count."""

from __future__ import annotations

from collections import Counter

from baton_itsm.core.metrics.stats import share
from baton_itsm.core.metrics.views import TicketView


class AgreementTally:
    """How often the two counts agree, and how they differ where they do not, added up a ticket at a time."""

    def __init__(self) -> None:
        self.compared = self.agreeing = self.tool_total = self.derived_total = 0
        self.classes: Counter[str] = Counter()
        self.direction: Counter[str] = Counter()

    def add(self, view: TicketView) -> None:
        summary = view.summary
        if not summary or summary.get("tool_reassignments") is None or summary.get("derived_reassignments") is None:
            return
        tool, derived = summary["tool_reassignments"], summary["derived_reassignments"]
        self.compared += 1
        self.tool_total += tool
        self.derived_total += derived
        if tool == derived:
            self.agreeing += 1
            return
        self.direction["Baton lower" if derived < tool else "Baton higher"] += 1
        self.classes[summary.get("mismatch") or "unclassified"] += 1

    def result(self) -> dict:
        compared = self.compared
        if not compared:
            return {"tickets": 0, "message": "no tool counter in this history (only ServiceNow logs carry one)"}
        return {
            "tickets": compared,
            "agreeing": self.agreeing,
            "share": share(self.agreeing, compared),
            "tool_mean": round(self.tool_total / compared, 3),
            "derived_mean": round(self.derived_total / compared, 3),
            "disagreements": dict(self.direction),
            "disagreement_classes": [{"class": c, "tickets": n} for c, n in self.classes.most_common()],
        }
