"""`baton import --report` of the whole real ServiceNow event log (tests/connectors/servicenow/incident-log), and
`baton report` of the ledger it made."""

from __future__ import annotations

import json

from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from tests.reference import INCIDENT_LOG

LOG_ZIP = INCIDENT_LOG


def test_the_whole_log_imports_and_agrees_with_servicenow(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    db = str(tmp_path / "ledger.db")
    runner = CliRunner()
    imported = runner.invoke(
        cli,
        ["--db", db, "import", "servicenow-log", str(LOG_ZIP), "-q", "--report", "--no-charts", "--out", "together"],
        catch_exceptions=False,
    )
    assert imported.exit_code == 0
    assert "119,998 rows read, 0 rejected" in imported.output  # rejected rows would be counted and explained here
    assert "20,769 tickets (20,769 new" in imported.output
    assert "20,769 tickets (sn-log)" in imported.output  # the report's summary, from the same process

    report = runner.invoke(
        cli, ["--db", db, "report", "--format", "json", "--no-charts", "--out", "out"], catch_exceptions=False
    )
    metrics = json.loads(report.output)
    assert (tmp_path / "together" / "report.json").read_text() == (tmp_path / "out" / "report.json").read_text()
    assert metrics["tickets"] == 20_769
    tool = metrics["tool_counter"]
    assert tool["tickets"] == 20_769 and tool["share"] >= 0.995
    # Every disagreement is one where ServiceNow counted a reassignment the log does not show.
    assert tool["disagreements"] == {"Baton lower": tool["tickets"] - tool["agreeing"]}
