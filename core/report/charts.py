"""The report's charts as PNG files, drawn with matplotlib's Agg backend (no display needed).

matplotlib is imported only here and only when charts are asked for: it takes most of a second to
import, which `baton report --no-charts` does not pay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from baton_itsm.core.metrics.bounces import MANY
from baton_itsm.core.metrics.periods import UNKNOWN

CHART_GROUPS = 15  # groups shown in the bounces-by-group chart
PICKUP_BINS_HOURS = (0, 0.25, 0.5, 1, 2, 4, 8, 24, 48, 96, 168, 336, float("inf"))


def draw_charts(metrics: dict, folder: Path) -> dict[str, Path]:
    """Draw every chart into `folder`; returns {chart name: PNG path}."""
    return save_charts(
        folder,
        metrics,
        (
            ("bounce_distribution", _bounce_distribution, "Bounces per ticket"),
            ("bounces_by_group", _bounces_by_group, "Bounces by the group the ticket left"),
            ("pickup_time_distribution", _pickup_distribution, "Receiver pickup time after a transfer"),
            ("trend", _trend, f"Bounces over time (by {metrics['scorecards']['period']} opened)"),
            (
                "times_trend",
                _times_trend,
                f"Pickup and resolution times over time (by {metrics['scorecards']['period']} opened)",
            ),
        ),
    )


def save_charts(
    folder: Path, data, charts: Iterable[tuple[str, Callable, str]], size: tuple[float, float] = (7.5, 4)
) -> dict[str, Path]:
    """Draw each (name, draw(axes, data), title) into `folder` as NAME.png; returns {name: path}."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    folder.mkdir(parents=True, exist_ok=True)
    drawn = {}
    for name, draw, title in charts:
        figure, axes = pyplot.subplots(figsize=size, dpi=100)
        draw(axes, data)
        axes.set_title(title)
        figure.tight_layout()
        path = folder / f"{name}.png"
        figure.savefig(path)
        pyplot.close(figure)
        drawn[name] = path
    return drawn


def _empty(axes, text: str = "no data yet") -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="grey")
    axes.set_xticks([])
    axes.set_yticks([])


def _bounce_distribution(axes, metrics: dict) -> None:
    distribution = metrics["bounces"]["distribution"]
    if not metrics["bounces"]["tickets"]:
        return _empty(axes)
    labels = list(distribution)
    colours = [
        "#c0392b" if label.rstrip("+").isdigit() and int(label.rstrip("+")) >= MANY else "#2e86c1" for label in labels
    ]
    axes.bar(labels, list(distribution.values()), color=colours)
    axes.set_xlabel("bounces")
    axes.set_ylabel("tickets")


def _bounces_by_group(axes, metrics: dict) -> None:
    rows = metrics["bounces"]["by_group"][:CHART_GROUPS]
    if not rows:
        return _empty(axes, "no bounces")
    axes.barh([r["group"] for r in reversed(rows)], [r["bounces_out"] for r in reversed(rows)], color="#2e86c1")
    axes.set_xlabel("bounces out of the group")


def _pickup_distribution(axes, metrics: dict) -> None:
    samples = [minutes / 60 for minutes in metrics.get("_pickup_samples", [])]
    if not samples:
        return _empty(axes)
    counts = [0] * (len(PICKUP_BINS_HOURS) - 1)
    for hours in samples:
        for i, upper in enumerate(PICKUP_BINS_HOURS[1:]):
            if hours < upper:
                counts[i] += 1
                break
    labels = [f"<{_hours(upper)}" for upper in PICKUP_BINS_HOURS[1:-1]] + [f"≥{_hours(PICKUP_BINS_HOURS[-2])}"]
    axes.bar(labels, counts, color="#27ae60")
    axes.set_ylabel("pickups")
    axes.tick_params(axis="x", labelrotation=45)


def _hours(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f}m"
    return f"{hours:.0f}h" if hours < 48 else f"{hours / 24:.0f}d"


def _trend(axes, metrics: dict) -> None:
    periods = [p for p in metrics["bounces"]["by_period"] if p["period"] != UNKNOWN]
    if not periods:
        return _empty(axes)
    labels = [p["period"] for p in periods]
    axes.plot(labels, [p["mean"] for p in periods], marker="o", color="#2e86c1", label="mean bounces")
    axes.set_ylabel("mean bounces per ticket")
    other = axes.twinx()
    other.bar(labels, [p["tickets"] for p in periods], alpha=0.2, color="grey", label="tickets")
    other.set_ylabel("tickets")
    axes.set_zorder(other.get_zorder() + 1)
    axes.patch.set_visible(False)
    axes.tick_params(axis="x", labelrotation=45)


def _times_trend(axes, metrics: dict) -> None:
    periods = [p for p in metrics["scorecards"]["by_period"] if p["period"] != UNKNOWN]
    lines = (
        ("pickup_median_minutes", "receiver pickup", "#27ae60"),
        ("resolution_median_minutes", "resolution after the last handoff", "#8e44ad"),
    )
    if not any(p[column] is not None for p in periods for column, _, _ in lines):
        return _empty(axes)
    labels = [p["period"] for p in periods]
    for column, label, colour in lines:  # a period with nothing to measure is a gap in its line
        hours = [float("nan") if p[column] is None else p[column] / 60 for p in periods]
        axes.plot(labels, hours, marker="o", color=colour, label=label)
    axes.set_ylabel("median, hours")
    axes.set_ylim(bottom=0)
    axes.legend()
    axes.tick_params(axis="x", labelrotation=45)
