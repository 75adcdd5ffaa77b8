"""Small statistics the metrics share: duration summaries, distributions, shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime


def minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending sequence."""
    return nearest_rank(ordered, fraction) if ordered else None


def nearest_rank(ordered: Sequence[float], fraction: float) -> float:
    """`percentile` of a sequence that is not empty."""
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def duration_summary(values: Iterable[float]) -> dict[str, float | int | None]:
    """count, mean, median, p90 (minutes) of non-negative durations."""
    ordered = sorted(v for v in values if v >= 0)
    if not ordered:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    return {
        "count": len(ordered),
        "mean": round(sum(ordered) / len(ordered), 1),
        "median": round(nearest_rank(ordered, 0.5), 1),
        "p90": round(nearest_rank(ordered, 0.9), 1),
    }


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def histogram(values: Iterable[int], top: int) -> dict[str, int]:
    """Counts of 0, 1, ... top-1, then `top+` for the rest (keys as text, for JSON)."""
    counts = {str(i): 0 for i in range(top)}
    counts[f"{top}+"] = 0
    for value in values:
        counts[str(value) if value < top else f"{top}+"] += 1
    return counts
