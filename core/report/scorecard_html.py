"""The report page's "Scorecards" section: every figure per group, per agent and per period, and whom it counts for."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import PurePath

from baton_itsm.core.report.html import table_block

_ABOUT = (
    "A group counts bounces out of it, pickups from its queue, tickets whose last handoff went to it (the "
    "resolution time after that handoff, late handoffs it received), tickets it held when they were resolved "
    "(and reopened), and handoff requests to it. An agent counts the moves, bounces and late handoffs they made, "
    "the arrivals they picked up, the tickets they held when resolved, the handoffs they accepted or declined "
    "and the escalations they asked for. A {period} counts the tickets opened in it. Times are medians (the CSV "
    "files have them in minutes); a late handoff is one the ticket was resolved within {within:g} min of."
)
_NO_HANDOFFS = (
    " Columns of Baton's own handoffs (requests, acceptance, declines, escalations) are left out: the "
    "ledger has none yet. The CSV files have every column."
)
# Columns only Baton's handoff protocol fills; an imported history leaves them empty.
PROTOCOL_COLUMNS = frozenset(
    {
        "handoffs_to",
        "handoffs",
        "accepted",
        "acceptance_median_minutes",
        "declined",
        "escalations_received",
        "escalations_requested",
        "escalations",
    }
)


def scorecards_section(
    scorecards: dict,
    tables: dict[str, list[dict]],
    table_files: Mapping[str, PurePath],
    late_within_minutes: float,
    has_handoffs: bool,
) -> str:
    about = _ABOUT.format(period=scorecards["period"], within=late_within_minutes)
    parts = [
        '<h2 id="scorecards">Scorecards</h2>',
        f'<p class="note">{escape(about + ("" if has_handoffs else _NO_HANDOFFS))}</p>',
    ]
    for name, rows in tables.items():
        shown = [
            {
                column.removesuffix("_minutes"): _readable(column, value)
                for column, value in row.items()
                if has_handoffs or column not in PROTOCOL_COLUMNS
            }
            for row in rows
        ]
        parts += ['<div class="wide">', *table_block(name, shown, table_files.get(name)), "</div>"]
    return "\n".join(parts)


def _readable(column: str, value):
    """A cell as a reader takes it in: minutes as a duration, a share as a percentage."""
    if value is None:
        return None
    if column.endswith("_minutes"):
        return duration_text(value)
    if column.endswith(("_share", "_rate")) or column.startswith("share_"):
        return f"{value:.1%}"
    return value


def duration_text(minutes: float) -> str:
    """`45 min`, `7.5 h` or `3.2 d`."""
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h" if minutes < 48 * 60 else f"{minutes / 1440:.1f} d"
