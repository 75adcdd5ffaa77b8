"""The period a ticket counts in: the month, ISO week or quarter it was opened (its cohort).

Every per-period figure of the report counts a ticket in the period it was opened, whatever it later
went through, so a period's row does not change once its tickets are closed, and rows add up.
"""

from __future__ import annotations

from datetime import date

PERIODS = ("month", "week", "quarter")
DEFAULT_PERIOD = "month"
UNKNOWN = "unknown"  # a ticket with no opening time and no holder


class PeriodOf(dict):
    """`2026-03` (month), `2026-W10` (ISO week) or `2026-Q1` (quarter) of an ISO timestamp text.

    A dict keyed by the date part, so each distinct day is worked out once (a report asks for every ticket).
    """

    __slots__ = ("kind",)

    def __init__(self, kind: str = DEFAULT_PERIOD) -> None:
        if kind not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {kind!r}")
        super().__init__()
        self.kind = kind

    def __call__(self, opened: str | None) -> str:
        return self[opened[:10]] if opened else UNKNOWN

    def __missing__(self, day: str) -> str:
        if self.kind == "month":
            value = day[:7]
        elif self.kind == "quarter":
            value = f"{day[:4]}-Q{(int(day[5:7]) - 1) // 3 + 1}"
        else:
            year, week, _ = date.fromisoformat(day).isocalendar()
            value = f"{year}-W{week:02d}"
        self[day] = value
        return value


def in_order(periods) -> list[str]:
    """Periods oldest first, `unknown` last (their texts sort in time order)."""
    return sorted(periods, key=lambda period: (period == UNKNOWN, period))
