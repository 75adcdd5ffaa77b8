"""The report's files: JSON of every metric, one CSV per table, and the HTML page."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from baton_itsm.core.metrics.review_summary import review_tables
from baton_itsm.core.metrics.summary import json_ready, scorecard_tables, summary_lines, tables
from baton_itsm.core.report.html import render_html
from baton_itsm.core.report.review_html import reviews_section
from baton_itsm.core.report.scorecard_html import scorecards_section


def write_report(metrics: dict, folder: Path, *, charts: bool = True, extra: dict | None = None) -> dict[str, Path]:
    """Write report.json, one CSV per table, the charts (PNG) and report.html into `folder`.

    `extra` holds further sections (a back-test's outcome) shown on the page and kept in the JSON.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = {"json": folder / "report.json", "html": folder / "report.html"}
    document = {**json_ready(metrics), **(extra or {})}
    written["json"].write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    general, reviews, cards = tables(metrics), review_tables(metrics["reviews"]), scorecard_tables(metrics)
    table_files = {}
    for name, rows in {**cards, **general, **reviews}.items():
        path = table_files[name] = folder / f"{name}.csv"
        write_csv(path, rows)
    chart_files, review_charts = {}, {}
    if charts:
        from baton_itsm.core.report.charts import draw_charts
        from baton_itsm.core.report.review_charts import draw_review_charts

        chart_files = draw_charts(metrics, folder / "charts")
        review_charts = draw_review_charts(metrics["reviews"], folder / "charts")
    links = {n: p.relative_to(folder) for n, p in table_files.items()}
    sections = [
        scorecards_section(
            metrics["scorecards"],
            cards,
            links,
            metrics["late_handoffs"]["within_minutes"],
            has_handoffs=bool(metrics["handoffs"]),
        ),
        reviews_section(
            metrics["reviews"], reviews, {n: p.relative_to(folder) for n, p in review_charts.items()}, links
        ),
    ]
    page = render_html(
        summary_lines(metrics),
        general,
        {n: p.relative_to(folder) for n, p in chart_files.items()},
        links,
        extra or {},
        sections=sections,
    )
    written["html"].write_text(page, encoding="utf-8")
    return {
        **written,
        **{f"csv:{n}": p for n, p in table_files.items()},
        **{f"chart:{n}": p for n, p in {**chart_files, **review_charts}.items()},
    }


def write_csv(path: Path, rows: list[dict]) -> None:
    columns = list(rows[0]) if rows else ["(no rows)"]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
