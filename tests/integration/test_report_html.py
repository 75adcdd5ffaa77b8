"""The HTML report, checked without a browser: it parses, and every chart it shows exists and is not empty."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from baton_itsm.core.metrics.reviews import NO_REVIEWS

SMALL_LOG = Path(__file__).resolve().parents[1] / "fixtures" / "servicenow" / "small_log.csv"


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


def test_report_html_parses_and_its_charts_and_tables_exist(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    db = str(tmp_path / "ledger.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "import", "servicenow-log", str(SMALL_LOG), "-q"]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "report", "--out", "out"], catch_exceptions=False)
    assert result.exit_code == 0 and "report: out/report.html" in result.output

    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    page.close()
    # an imported history has no reviews: the section says so, with no empty review charts (the list below)
    assert f'<h2 id="handoff-reviews">Handoff reviews</h2>\n<p class="note">{NO_REVIEWS}</p>' in html
    assert page.open_tags == []
    assert sorted(Path(src).name for src in page.images) == ["bounce_distribution.png", "bounces_by_group.png",
                                                             "pickup_time_distribution.png", "trend.png"]
    for src in page.images:
        image = tmp_path / "out" / src
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 1000
    assert page.tables >= 5  # tables with no rows yet (declines, escalations) say so instead
    for href in page.links:
        assert (tmp_path / "out" / href).stat().st_size > 0
    assert "bounces_by_group.csv" in {Path(h).name for h in page.links}
