"""The tool's own reassignment counter (ServiceNow reassignment_count) beside Baton's derived count."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from baton_itsm.core.metrics.stats import share
from baton_itsm.core.metrics.views import TicketView


def counter_agreement(views: Sequence[TicketView]) -> dict:
    compared = agreeing = tool_total = derived_total = 0
    classes: Counter[str] = Counter()
    direction: Counter[str] = Counter()
    for view in views:
        summary = view.summary
        if not summary or summary.get("tool_reassignments") is None or summary.get("derived_reassignments") is None:
            continue
        tool, derived = summary["tool_reassignments"], summary["derived_reassignments"]
        compared += 1
        tool_total += tool
        derived_total += derived
        if tool == derived:
            agreeing += 1
            continue
        direction["Baton lower" if derived < tool else "Baton higher"] += 1
        classes[summary.get("mismatch") or "unclassified"] += 1
    if not compared:
        return {"tickets": 0, "message": "no tool counter in this history (only ServiceNow logs carry one)"}
    return {
        "tickets": compared, "agreeing": agreeing, "share": share(agreeing, compared),
        "tool_mean": round(tool_total / compared, 3), "derived_mean": round(derived_total / compared, 3),
        "disagreements": dict(direction),
        "disagreement_classes": [{"class": c, "tickets": n} for c, n in classes.most_common()],
    }
