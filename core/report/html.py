"""The HTML report: one self-contained page (inline CSS) beside its chart PNGs and CSV files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import PurePath

TABLE_ROWS = 25  # rows per table on the page; the CSV beside it has them all

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
ul.summary li { margin: 0.2em 0; } .charts { display: flex; flex-wrap: wrap; gap: 1em; }
.charts figure { margin: 0; } .charts img { max-width: 34em; border: 1px solid #eee; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; } th { background: #f4f6f8; }
.note { color: #666; font-size: 0.9em; }
.wide { overflow-x: auto; } .wide td:first-child { white-space: nowrap; }
"""


def render_html(
    summary: list[str],
    tables: dict[str, list[dict]],
    charts: Mapping[str, PurePath],
    table_files: Mapping[str, PurePath],
    extra: dict,
    sections: Sequence[str] = (),
) -> str:
    """The page; `sections` are further parts already rendered (scorecards, handoff reviews), shown after the charts."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Baton handoff report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Baton handoff report</h1>",
        "<h2>Summary</h2>",
        '<ul class="summary">',
        *(f"<li>{escape(line)}</li>" for line in summary),
        "</ul>",
    ]
    if charts:
        parts += ["<h2>Charts</h2>", *figures(charts)]
    parts += sections
    for name, section in extra.items():
        parts += [f"<h2>{escape(_title(name))}</h2>", _definition_list(section)]
    parts.append("<h2>Tables</h2>")
    for name, rows in tables.items():
        parts += table_block(name, rows, table_files.get(name))
    parts += ['<p class="note">JSON of every metric: <a href="report.json">report.json</a></p>', "</body></html>"]
    return "\n".join(parts)


def figures(charts: Mapping[str, PurePath]) -> list[str]:
    """The charts side by side, each captioned with its name."""
    return [
        '<div class="charts">',
        *(
            f'<figure><img src="{escape(path.as_posix())}" alt="{escape(_title(name))}">'
            f"<figcaption>{escape(_title(name))}</figcaption></figure>"
            for name, path in charts.items()
        ),
        "</div>",
    ]


def table_block(name: str, rows: list[dict], link: PurePath | None) -> list[str]:
    """A table's heading, the link to its CSV, and its first TABLE_ROWS rows."""
    parts = [f"<h3>{escape(_title(name))}</h3>"]
    if link is not None:
        parts.append(
            f'<p class="note"><a href="{escape(link.as_posix())}">{escape(link.name)}</a>'
            f"{' (first ' + str(TABLE_ROWS) + ' rows shown)' if len(rows) > TABLE_ROWS else ''}</p>"
        )
    parts.append(_table(rows[:TABLE_ROWS]))
    return parts


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _table(rows: list[dict]) -> str:
    if not rows:
        return '<p class="note">no rows yet</p>'
    columns = list(rows[0])
    head = "".join(f"<th>{escape(_title(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(row.get(c)))}</td>" for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value) -> str:
    if value is None:
        return ""
    return (
        f"{value:,.3g}"
        if isinstance(value, float) and abs(value) < 1
        else (f"{value:,.1f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else str(value))
    )


def _value_text(value) -> str:
    return _compact(value) if isinstance(value, (dict, list)) else _cell(value)


def _definition_list(section) -> str:
    if not isinstance(section, dict):
        return f"<p>{escape(str(section))}</p>"
    items = "".join(
        f"<tr><th>{escape(_title(str(k)))}</th><td>{escape(_value_text(v))}</td></tr>" for k, v in section.items()
    )
    return f"<table>{items}</table>"


def _compact(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return ", ".join(map(str, value))
