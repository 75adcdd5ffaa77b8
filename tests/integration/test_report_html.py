"""The HTML report, checked without a browser: it parses, and every chart it shows exists and is not empty."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from baton_itsm.core.metrics.review_scores import NO_REVIEWS
from tests.reference import SERVICENOW_FIXTURES

SMALL_LOG = SERVICENOW_FIXTURES / "small_log.csv"


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.tables, self.open_tags = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        elif tag == "a":
            self.links.append(attrs["href"])
        elif tag == "table":
            self.tables += 1
        if tag not in ("img", "meta", "br"):
            self.open_tags.append(tag)

    def handle_endtag(self, tag):
        assert self.open_tags and self.open_tags.pop() == tag, f"</{tag}> closes nothing open"


@pytest.fixture
def imported(tmp_path, monkeypatch) -> tuple[CliRunner, str]:
    """A runner in tmp_path and a ledger holding the small ServiceNow log."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    db = str(tmp_path / "ledger.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "import", "servicenow-log", str(SMALL_LOG), "-q"]).exit_code == 0
    return runner, db


def test_report_html_parses_and_its_charts_and_tables_exist(imported, tmp_path):
    runner, db = imported
    result = runner.invoke(cli, ["--db", db, "report", "--out", "out"], catch_exceptions=False)
    assert result.exit_code == 0 and "report: out/report.html" in result.output

    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    page.close()
    # an imported history has no reviews: the section says so, with no empty review charts (the list below)
    assert f'<h2 id="handoff-reviews">Handoff reviews</h2>\n<p class="note">{NO_REVIEWS}</p>' in html
    assert page.open_tags == []
    assert sorted(Path(src).name for src in page.images) == [
        "bounce_distribution.png",
        "bounces_by_group.png",
        "pickup_time_distribution.png",
        "times_trend.png",
        "trend.png",
    ]
    for src in page.images:
        image = tmp_path / "out" / src
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 1000
    assert page.tables >= 5  # tables with no rows yet (declines, escalations) say so instead
    for href in page.links:
        assert (tmp_path / "out" / href).stat().st_size > 0
    assert "bounces_by_group.csv" in {Path(h).name for h in page.links}
    # the scorecards: every figure per group, agent and month; times read as durations, shares as percentages;
    # an imported history has no Baton handoffs, so their columns are left out of the page (not of the CSV)
    scorecards = html[html.index('<h2 id="scorecards">') : html.index('<h2 id="handoff-reviews">')]
    assert {"scorecard_by_group.csv", "scorecard_by_agent.csv", "scorecard_by_period.csv"} <= {
        Path(h).name for h in page.links
    }
    assert "<th>Pickup median</th>" in scorecards and "<td>2.0 h</td>" in scorecards
    assert "<th>Reopen rate</th>" in scorecards and "%</td>" in scorecards
    assert "Acceptance" not in scorecards and "the ledger has none yet" in scorecards
    header = (tmp_path / "out" / "scorecard_by_group.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",handoffs_to,accepted,acceptance_median_minutes,declined,escalations_received")


def test_report_period_option(imported):
    runner, db = imported
    result = runner.invoke(
        cli, ["--db", db, "report", "--no-charts", "--period", "week", "--format", "json"], catch_exceptions=False
    )
    metrics = json.loads(result.output)
    assert metrics["scorecards"]["period"] == "week"
    assert {row["period"] for row in metrics["scorecards"]["by_period"]} == {"2016-W09"}  # opened 1 March 2016
    refused = runner.invoke(cli, ["--db", db, "report", "--period", "day"])
    assert refused.exit_code == 2 and "'day' is not one of 'month', 'week', 'quarter'" in refused.output
