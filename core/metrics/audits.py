"""A lead's audit beside the receiver's review: how often they agree, question by question, and where not.

Two answers are compared only when both gave one (every question is optional), as
core/domain/reviews.HandoffAnswers.disagrees_with does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from baton_itsm.core.metrics.stats import share

if TYPE_CHECKING:
    from baton_itsm.core.metrics.review_scores import ReviewedHandoff

QUESTIONS = ("needed", "prepared", "timely")
# How an answer reads in a table: the report shows words, not true/false.
ANSWERS: dict[str, dict[Any, str]] = {
    "needed": {True: "needed", False: "unneeded"},
    "prepared": {True: "well prepared", False: "poorly prepared"},
    "timely": {"early": "too early", "right": "about right", "late": "too late"},
}


def audit_metrics(handoffs: Sequence[ReviewedHandoff]) -> dict:
    drawn = [h for h in handoffs if h.drawn_for]
    audited = [h for h in handoffs if h.audit is not None]
    # (handoff, the receiver's answers, the lead's answers) of each handoff both answered for
    both = [(h, h.review, h.audit) for h in audited if h.review is not None and h.audit is not None]
    agreement, disagreements = [], []
    for question in QUESTIONS:
        compared = [
            (h, review, audit)
            for h, review, audit in both
            if review.get(question) is not None and audit.get(question) is not None
        ]
        differing = [(h, review, audit) for h, review, audit in compared if review[question] != audit[question]]
        agreement.append(
            {
                "question": question,
                "compared": len(compared),
                "agreeing": len(compared) - len(differing),
                "agreement_rate": share(len(compared) - len(differing), len(compared)),
            }
        )
        disagreements += [
            {
                "ticket": h.ticket,
                "handoff": h.handoff_id,
                "sender": h.sender,
                "question": question,
                "receiver": h.receiver_person or h.receiver,
                "receiver_said": _said(question, review),
                "lead": h.lead or "",
                "lead_said": _said(question, audit),
            }
            for h, review, audit in differing
        ]
    disagreements.sort(key=lambda row: (row["ticket"], row["handoff"], QUESTIONS.index(row["question"])))
    return {
        "drawn": len(drawn),
        "audited": len(audited),
        "audited_of_drawn": sum(1 for h in drawn if h.audit),
        "audited_and_reviewed": len(both),
        "agreement": agreement,
        "disagreements": disagreements,
    }


def _said(question: str, answers: dict) -> str:
    value = answers.get(question)
    return ANSWERS[question].get(value, str(value))
