"""All the metrics of a set of tickets, and the tables a report writes as CSV."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from baton_itsm.core.metrics.agreement import AgreementTally
from baton_itsm.core.metrics.bounces import MANY, BounceTally
from baton_itsm.core.metrics.facts import ticket_facts
from baton_itsm.core.metrics.merge import merged
from baton_itsm.core.metrics.periods import DEFAULT_PERIOD, UNKNOWN, PeriodOf
from baton_itsm.core.metrics.protocol import ProtocolTally, ReopenTally
from baton_itsm.core.metrics.review_scores import review_metrics
from baton_itsm.core.metrics.review_summary import review_lines
from baton_itsm.core.metrics.scorecards import Scorecards
from baton_itsm.core.metrics.timing import DEFAULT_LATE_WITHIN_MINUTES, TimingTally
from baton_itsm.core.metrics.views import TicketView

TOP_ROWS = 25  # rows of the per-group and per-agent tables shown in the terminal and HTML (CSV has all)
TREND_PERIODS = 3  # periods the terminal summary shows, the latest


def compute_metrics(
    views: Iterable[TicketView],
    *,
    intake_groups: frozenset[str] = frozenset(),
    late_within_minutes: float = DEFAULT_LATE_WITHIN_MINUTES,
    period: str = DEFAULT_PERIOD,
) -> dict:
    """Every metric, as plain JSON-ready data; per-period figures count tickets by the `period` they were opened.

    One pass: each ticket is added into every tally and let go, so `views` may be a stream as long as the ledger.
    """
    return Tallies(intake_groups, late_within_minutes, period).add_all(views).result()


class Tallies:
    """Every tally of the report, added up a ticket at a time. Two of them, over two parts of the tickets, merge
    into exactly what one makes of all the tickets (core/metrics/merge): a report adds up on two cores."""

    def __init__(
        self,
        intake_groups: frozenset[str] = frozenset(),
        late_within_minutes: float = DEFAULT_LATE_WITHIN_MINUTES,
        period: str = DEFAULT_PERIOD,
    ) -> None:
        self.intake_groups, self.late_within_minutes = intake_groups, late_within_minutes
        self.period_of = PeriodOf(period)
        self.bounces, self.timing = BounceTally(), TimingTally(late_within_minutes)
        self.cards = Scorecards(late_within_minutes, period)
        self.reopen, self.protocol, self.agreement = ReopenTally(), ProtocolTally(), AgreementTally()
        self.tickets, self.instances, self.with_handoffs = 0, set[str](), list[TicketView]()

    def add_all(self, views: Iterable[TicketView]) -> Tallies:
        intake_groups, period_of = self.intake_groups, self.period_of
        bounces, timing, cards = self.bounces, self.timing, self.cards
        reopen, protocol, agreement = self.reopen, self.protocol, self.agreement
        tickets, instances, with_handoffs = 0, self.instances, self.with_handoffs
        for view in views:
            tickets += 1
            instances.add(view.instance)
            fact = ticket_facts(view, intake_groups, period_of)
            bounces.add(fact)
            timing.add(fact)
            cards.add(fact)
            reopen.add(view)
            protocol.add(view, fact.period)
            agreement.add(view)
            if view.handoffs or view.reviews:
                with_handoffs.append(view)  # all the reviews are about: few tickets, even in a large ledger
        self.tickets += tickets
        return self

    def merge(self, later: Tallies) -> Tallies:
        """`later`'s tickets (those after this one's) added in, as if this one had gone on through them."""
        return merged(self, later)

    def result(self) -> dict:
        times = self.timing.result()
        pickup_samples = times.pop("pickup_samples")
        return {
            "tickets": self.tickets,
            "instances": sorted(self.instances),
            "bounces": self.bounces.result(),
            **times,
            "reopen": self.reopen.result(),
            **self.protocol.result(),
            "reviews": review_metrics(self.with_handoffs, self.late_within_minutes, self.period_of),
            "tool_counter": self.agreement.result(),
            "scorecards": self.cards.result(),
            "_pickup_samples": pickup_samples,  # for the pickup-time chart; not written to JSON
        }


def tables(metrics: dict) -> dict[str, list[dict]]:
    """The report's tables, one list of rows (dicts with the same keys) each, for CSV and HTML."""
    bounces = metrics["bounces"]
    return {
        "bounce_distribution": [{"bounces": k, "tickets": v} for k, v in bounces["distribution"].items()],
        "bounces_by_group": bounces["by_group"],
        "bounces_by_agent": bounces["by_agent"],
        "bounces_by_period": bounces["by_period"],
        "bounces_by_first_route": bounces["by_first_route"],
        "pickup_by_group": metrics["pickup_by_group"],
        "resolution_after_last_handoff_by_group": metrics["resolution_after_last_handoff_by_group"],
        "late_handoffs_by_group": metrics["late_handoffs"]["by_receiving_group"],
        "decline_reasons": metrics["decline_reasons"],
        "declines_by_code": metrics["declines_by_code"],
        "escalations_by_kind": metrics["escalations_by_kind"],
        "tool_counter_disagreements": metrics["tool_counter"].get("disagreement_classes", []),
    }


def scorecard_tables(metrics: dict) -> dict[str, list[dict]]:
    """The scorecards (core/metrics/scorecards), one table per group, agent and period, for CSV and HTML."""
    cards = metrics["scorecards"]
    return {
        "scorecard_by_group": cards["by_group"],
        "scorecard_by_agent": cards["by_agent"],
        "scorecard_by_period": cards["by_period"],
    }


def json_ready(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if not k.startswith("_")}


def summary_lines(metrics: dict) -> list[str]:
    """The terminal summary."""
    b, pick, after = metrics["bounces"], metrics["pickup_minutes"], metrics["resolution_after_last_handoff_minutes"]
    late, reopen, tool = metrics["late_handoffs"], metrics["reopen"], metrics["tool_counter"]
    lines = [f"{metrics['tickets']:,} tickets ({', '.join(metrics['instances']) or 'none'})"]
    if b["tickets"]:
        lines.append(
            f"bounces: mean {b['mean']:.2f} per ticket, {_pct(b[f'share_{MANY}_plus'])} of tickets with "
            f"{MANY} or more; distribution " + ", ".join(f"{k}: {v:,}" for k, v in b["distribution"].items())
        )
        worst = ", ".join(f"{row['group']} ({row['bounces_out']:,})" for row in b["by_group"][:5])
        lines.append(f"  groups whose tickets bounce on most: {worst or '-'}")
        routes = ", ".join(f"{row['first_route']} ({row['bounces']:,})" for row in b["by_first_route"][:5])
        lines.append(f"  first routes whose tickets bounce most: {routes or '-'}")
    lines.append(f"receiver pickup after a transfer: {_duration(pick)}")
    lines.append(f"resolution after the last handoff: {_duration(after)}")
    lines.append(
        f"late handoffs (resolved within {late['within_minutes']:g} min of arriving): {late['tickets']:,} "
        f"of {late['of_resolved_tickets_with_a_handoff']:,} resolved tickets with a handoff "
        f"({_pct(late['share'])})"
    )
    lines.append(f"reopen rate: {_pct(reopen['rate'])} ({reopen['reopened']:,} of {reopen['tickets']:,})")
    accepted = metrics["acceptance_minutes"]
    lines.append(
        f"handoff requests: {sum(metrics['handoffs'].values()):,}; acceptance time {_duration(accepted)}; "
        f"declines {sum(r['count'] for r in metrics['decline_reasons']):,}"
    )
    by_code = Counter[str]()
    for row in metrics["declines_by_code"]:
        by_code[row["code"]] += row["count"]
    if by_code:
        lines.append("declines by reason code: " + ", ".join(f"{c}: {n:,}" for c, n in by_code.most_common()))
    escalations = ", ".join(f"{r['kind']}: {r['count']:,}" for r in metrics["escalations_by_kind"])
    lines.append(f"escalations by kind: {escalations or 'none'}")
    lines += review_lines(metrics["reviews"])
    lines += trend_lines(metrics["scorecards"])
    if tool.get("tickets"):
        lines.append(
            f"tool reassignment counter vs Baton's derived count: agree on {tool['agreeing']:,} of "
            f"{tool['tickets']:,} tickets ({_pct(tool['share'], 2)}); means {tool['tool_mean']} vs "
            f"{tool['derived_mean']}"
        )
    return lines


def trend_lines(scorecards: dict, latest: int = TREND_PERIODS) -> list[str]:
    """The latest periods' figures, one line each; every period, group and agent is in the scorecards."""
    known = [row for row in scorecards["by_period"] if row["period"] != UNKNOWN]
    if len(known) < 2:
        return []  # one period is the summary above
    lines = [
        f"by {scorecards['period']} opened (latest {min(latest, len(known))} of {len(known)}; every period, "
        "group and agent in the scorecards):"
    ]
    for row in known[-latest:]:
        lines.append(
            f"  {row['period']}: {row['tickets']:,} tickets, bounces {_number(row['bounce_mean'])}, "
            f"pickup median {_maybe_hours(row['pickup_median_minutes'])}, late {_pct(row['late_share'])}, "
            f"reopened {_pct(row['reopen_rate'])}"
        )
    return lines


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _maybe_hours(value: float | None) -> str:
    return "-" if value is None else _hours(value)


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def _duration(summary: dict) -> str:
    if not summary["count"]:
        return "no data yet"
    return (
        f"median {_hours(summary['median'])}, p90 {_hours(summary['p90'])}, mean {_hours(summary['mean'])} "
        f"({summary['count']:,} samples)"
    )


def _hours(value: float) -> str:
    return f"{value:.0f} min" if value < 90 else f"{value / 60:.1f} h"
