"""The handoff reviews' charts: shares rated unneeded, poorly prepared and too late per receiver and per
sender; the late-handoff signal from timings beside the "too late" ratings; escalation causes by kind.

Only charts with something to show are drawn: a ledger without reviews gets none (the page says so).
Each bar is labelled with its counts ("1/3"), so a share of few answers is seen as such.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from baton_itsm.core.report.charts import save_charts

CHART_PEOPLE = 12  # people per chart, most handoffs first; the tables have them all
_SHARES = (
    ("unneeded", "needed_answered", "unneeded", "#c0392b"),
    ("poorly_prepared", "prepared_answered", "poorly prepared", "#e67e22"),
    ("too_late", "timely_answered", "too late", "#8e44ad"),
)


def draw_review_charts(reviews: dict, folder: Path) -> dict[str, Path]:
    """Draw the review charts that have data into `folder`; returns {chart name: PNG path}."""
    if not reviews.get("entries"):
        return {}
    drawn: dict[str, Path] = {}
    for who, column in (("receiver", "by_receiver"), ("sender", "by_sender")):
        rows = [r for r in reviews[column] if any(r[whole] for _, whole, _, _ in _SHARES)][:CHART_PEOPLE]
        if rows:
            drawn |= save_charts(
                folder,
                rows,
                [
                    (
                        f"review_shares_by_{who}",
                        partial(_shares, who=who),
                        f"Handoffs rated unneeded, poorly prepared, too late, by {who}",
                    )
                ],
                size=_people_size(rows),
            )
    late = [r for r in reviews["by_receiver"] if r["late_by_timing"] or r["too_late"]][:CHART_PEOPLE]
    if late:
        drawn |= save_charts(
            folder,
            late,
            [("late_signal_by_receiver", _late_signal, "Late by timing beside rated too late, by receiver")],
            size=_people_size(late),
        )
    causes = reviews["escalation_reviews"]["by_kind_and_cause"]
    if causes:
        drawn |= save_charts(folder, causes, [("escalation_causes_by_kind", _causes, "Escalation causes by kind")])
    return drawn


def _people_size(rows: list[dict]) -> tuple[float, float]:
    return 7.5, max(3.0, 1.5 + 0.55 * len(rows))


def _shares(axes, rows: list[dict], who: str) -> None:
    from matplotlib.ticker import PercentFormatter

    names = [r[who] for r in reversed(rows)]
    height = 0.8 / len(_SHARES)
    for i, (part, whole, label, colour) in enumerate(_SHARES):
        ys = [y - 0.4 + height * (i + 0.5) for y in range(len(names))]
        values = [(r[part] / r[whole]) if r[whole] else 0 for r in reversed(rows)]
        axes.barh(ys, values, height=height, color=colour, label=label)
        for y, value, row in zip(ys, values, reversed(rows), strict=True):
            axes.text(value + 0.01, y, f"{row[part]}/{row[whole]}" if row[whole] else "-", va="center", fontsize=7)
    axes.set_yticks(range(len(names)), names)
    axes.set_xlim(0, 1.15)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_xlabel("share of the answers to each question")
    axes.legend(loc="best", fontsize=8)


def _late_signal(axes, rows: list[dict]) -> None:
    names = [r["receiver"] for r in reversed(rows)]
    for i, (label, count, whole, colour) in enumerate(
        (
            ("late by timing (of handoffs)", "late_by_timing", "handoffs", "#2e86c1"),
            ("rated too late (of answers)", "too_late", "timely_answered", "#8e44ad"),
        )
    ):
        ys = [y - 0.2 + 0.4 * i for y in range(len(names))]
        values = [r[count] for r in reversed(rows)]
        axes.barh(ys, values, height=0.4, color=colour, label=label)
        for y, value, row in zip(ys, values, reversed(rows), strict=True):
            axes.text(value, y, f" {value}/{row[whole]}", va="center", fontsize=7)
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("handoffs")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(0, max(max(r["late_by_timing"], r["too_late"]) for r in rows) * 1.25 + 0.5)
    axes.legend(loc="best", fontsize=8)


def _causes(axes, rows: list[dict]) -> None:
    kinds = sorted({r["escalation_kind"] for r in rows})
    causes = sorted({r["cause_kind"] for r in rows})
    bottoms = [0] * len(kinds)
    for cause in causes:
        counts = [
            sum(r["reviews"] for r in rows if r["escalation_kind"] == kind and r["cause_kind"] == cause)
            for kind in kinds
        ]
        axes.bar(kinds, counts, bottom=bottoms, label=cause)
        bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
    axes.set_ylabel("escalation reviews")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(title="cause", fontsize=8)
