"""The reviews' part of the report: its terminal lines and its tables (CSV, and the HTML page's section)."""

from __future__ import annotations

REVIEW_TABLES = (
    "reviews_by_sender",
    "reviews_by_receiver",
    "reviews_by_group",
    "reviews_by_period",
    "audit_agreement",
    "audit_disagreements",
    "escalation_reviews_by_kind",
    "open_escalation_reviews",
)


def review_tables(reviews: dict) -> dict[str, list[dict]]:
    """Every review table, empty when the ledger holds no reviews."""
    if not reviews.get("entries"):
        return {name: [] for name in REVIEW_TABLES}
    audit, escalations = reviews["audit"], reviews["escalation_reviews"]
    return {
        "reviews_by_sender": reviews["by_sender"],
        "reviews_by_receiver": reviews["by_receiver"],
        "reviews_by_group": reviews["by_group"],
        "reviews_by_period": reviews["by_period"],
        "audit_agreement": audit["agreement"],
        "audit_disagreements": audit["disagreements"],
        "escalation_reviews_by_kind": escalations["by_kind_and_cause"],
        "open_escalation_reviews": escalations["open_reviews"],
    }


def review_lines(reviews: dict) -> list[str]:
    """The terminal summary of the reviews: overall figures; the tables per person are in the report."""
    if not reviews.get("entries"):
        return [reviews["message"]]
    every, audit, escalations = reviews["overall"], reviews["audit"], reviews["escalation_reviews"]
    lines = [
        f"handoff reviews: {every['reviewed']:,} of {every['handoffs']:,} handoffs reviewed; "
        f"{_of(every['reviewed_of_asked'], every['asked'])} "
        "asked answered",
        f"  of the answers: unneeded {_of(every['unneeded'], every['needed_answered'])}, poorly prepared "
        f"{_of(every['poorly_prepared'], every['prepared_answered'])}, too late "
        f"{_of(every['too_late'], every['timely_answered'])}",
        f"  late by timing (resolved within {reviews['late_within_minutes']:g} min): "
        f"{_of(every['late_by_timing'], every['handoffs'])} handoffs; rated too late as well: "
        f"{every['too_late_and_by_timing']:,}",
    ]
    if audit["drawn"] or audit["audited"]:
        agreed = ", ".join(f"{row['question']} {row['agreeing']} of {row['compared']}" for row in audit["agreement"])
        lines.append(
            f"  lead audits: {audit['audited']:,} audited ({audit['audited_of_drawn']:,} of "
            f"{audit['drawn']:,} drawn); agree with the receiver on {agreed}; "
            f"{len(audit['disagreements']):,} disagreements"
        )
    if escalations["reviews"]:
        by_kind: dict[str, list[str]] = {}
        for row in escalations["by_kind_and_cause"]:
            by_kind.setdefault(row["escalation_kind"], []).append(f"{row['cause_kind']} {row['reviews']:,}")
        lines.append(
            f"  escalation reviews: {escalations['reviews']:,} ({escalations['open']:,} open, "
            f"{escalations['closed']:,} closed); rule or SLA changes linked: "
            f"{escalations['linked_changes']:,}; causes by kind: "
            + "; ".join(f"{kind}: {', '.join(causes)}" for kind, causes in by_kind.items())
        )
    return lines


def _of(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({part / whole:.1%})" if whole else f"{part:,} of 0"
