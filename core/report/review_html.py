"""The report page's "Handoff reviews" section: what the tables count, the review charts and tables."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import PurePath

from baton_itsm.core.report.html import figures, table_block

_ABOUT = (
    "One row per sender (who asked for the handoff; a rule's own requests count as the rule's), per receiver "
    "(who it was applied to; a queue has nobody to ask), per group it was handed to, and per period the ticket was "
    "opened in. Shares are over the questions answered, each optional, "
    "with the counts beside them. Response rate: reviewed of those asked. Late by timing: the ticket was resolved "
    "within {within:g} min of the handoff (the late-handoff measure above), shown beside the receivers' "
    "\u201ctoo late\u201d ratings. Disagreements: a lead's audit answered a question differently from the receiver."
)


def reviews_section(
    reviews: dict, tables: dict[str, list[dict]], charts: Mapping[str, PurePath], table_files: Mapping[str, PurePath]
) -> str:
    parts = ['<h2 id="handoff-reviews">Handoff reviews</h2>']
    if not reviews.get("entries"):
        parts.append(f'<p class="note">{escape(reviews["message"])}</p>')  # no tables, no empty charts
        return "\n".join(parts)
    parts.append(f'<p class="note">{escape(_ABOUT.format(within=reviews["late_within_minutes"]))}</p>')
    if charts:
        parts += figures(charts)
    for name, rows in tables.items():
        parts += table_block(name, _with_wholes(rows) if name in _TALLIES else rows, table_files.get(name))
    return "\n".join(parts)


_TALLIES = ("reviews_by_sender", "reviews_by_receiver", "reviews_by_group", "reviews_by_period")
# On the page each count is shown with its whole, "1 of 2 (50%)"; the CSV keeps one number per column.
_OF = (
    ("response_rate", "reviewed_of_asked", "asked"),
    ("unneeded", "unneeded", "needed_answered"),
    ("poorly_prepared", "poorly_prepared", "prepared_answered"),
    ("too_early", "too_early", "timely_answered"),
    ("too_late", "too_late", "timely_answered"),
    ("late_by_timing", "late_by_timing", "handoffs"),
)


def _with_wholes(rows: list[dict]) -> list[dict]:
    return [
        {
            **{k: row[k] for k in list(row)[:3]},  # who (or which group or period), handoffs, reviewed
            **{name: _of(row[part], row[whole]) for name, part, whole in _OF},
            "too_late_and_late_by_timing": row["too_late_and_by_timing"],
        }
        for row in rows
    ]


def _of(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({part / whole:.0%})" if whole else "-"
