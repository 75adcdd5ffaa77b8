"""`baton import` into a SQLite ledger: a small hand-made ServiceNow log and a Jira changelog export."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from tests.reference import JIRA_FIXTURES, SERVICENOW_FIXTURES

SMALL_LOG = SERVICENOW_FIXTURES / "small_log.csv"
JIRA = JIRA_FIXTURES / "search_expand_changelog.json"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    return tmp_path


def baton(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def report_json(*args: str) -> dict:
    return json.loads(baton("report", "--format", "json", "--no-charts", *args).output)


def test_import_a_small_log_counts_and_explains_rejected_rows(workdir):
    output = baton("import", "servicenow-log", str(SMALL_LOG), "--quiet").output
    assert "19 rows read, 2 rejected" in output
    assert "4 tickets (4 new" in output and "14 ledger entries written" in output  # 10 holder changes + 4 summaries
    assert "line 19: sys_updated_at: not a day-first timestamp" in output
    assert "line 20: fields: expected 36, found 35" in output
    assert "agrees with Baton's derived count on 3 of 4 tickets (75.00%)" in output
    assert "counter moved +1 while the group stayed the same, between consecutive updates" in output

    metrics = report_json()
    assert metrics["bounces"]["distribution"]["1"] == 3 and metrics["bounces"]["total"] == 3
    assert metrics["pickup_minutes"]["count"] == 3 and metrics["pickup_minutes"]["median"] == 30.0
    assert metrics["late_handoffs"]["tickets"] == 1  # INC2: resolved 30 min after arriving in Group C
    assert metrics["reopen"] == {"tickets": 4, "reopened": 1, "rate": 0.25}


def test_import_with_report_writes_and_shows_what_baton_report_would(workdir):
    output = baton("import", "servicenow-log", str(SMALL_LOG), "--quiet", "--report", "--no-charts").output
    assert "19 rows read, 2 rejected" in output
    assert "4 tickets (sn-log)" in output and "bounces: mean 0.75 per ticket" in output  # the report's summary
    assert "report: baton-report/report.html" in output and "next: `baton report`" not in output
    assert not (workdir / "baton-report" / "charts").exists()
    written = json.loads((workdir / "baton-report" / "report.json").read_text())
    assert written == report_json() and written["bounces"]["total"] == 3


def test_import_with_report_reports_the_whole_ledger_and_draws_charts_unless_told(workdir):
    baton("import", "jira-changelog", str(JIRA), "--group-field", "customfield_10010", "--quiet")
    output = baton("import", "servicenow-log", str(SMALL_LOG), "--quiet", "--report", "--out", "both").output
    assert "6 tickets (jira, sn-log)" in output
    assert sorted(json.loads((workdir / "both" / "report.json").read_text())["instances"]) == ["jira", "sn-log"]
    assert list((workdir / "both" / "charts").glob("*.png"))


def test_report_options_without_report_are_refused_before_anything_is_imported(workdir):
    for option in (["--out", "elsewhere"], ["--no-charts"]):
        result = CliRunner().invoke(cli, ["import", "servicenow-log", str(SMALL_LOG), *option])
        assert result.exit_code == 2 and "--out and --no-charts are the report's: add --report" in result.output
    assert "no tickets yet" in CliRunner().invoke(cli, ["report", "--no-charts", "--instance", "sn-log"]).output


def test_a_report_of_an_instance_the_ledger_lacks_says_so(workdir):
    baton("import", "servicenow-log", str(SMALL_LOG), "--quiet")
    result = CliRunner().invoke(cli, ["report", "--no-charts", "--instance", "sn-lgo"])
    assert result.exit_code == 0 and "0 tickets (none)" in result.output
    assert "no tickets of sn-lgo in the ledger; it holds sn-log" in result.output


def test_the_imported_ledger_reads_like_any_other(workdir):
    baton("import", "servicenow-log", str(SMALL_LOG), "--quiet")
    table = baton("ledger", "sn-log:INC2").output
    # Read back through the ORM path (codec, Ticket.from_events): three holders, one bounce, then the summary.
    assert "held by Group C/Resolver 3" in table and "1 bounce" in table
    assert table.count("holder-changed") == 3 and "history" in table


def test_reimporting_the_same_file_adds_nothing(workdir):
    baton("import", "servicenow-log", str(SMALL_LOG), "--quiet")
    before = report_json()
    again = baton("import", "servicenow-log", str(SMALL_LOG))
    assert "imported already" in again.output and "nothing added" in again.output
    assert report_json() == before


def test_an_overlapping_file_appends_only_what_the_ledger_lacks(workdir):
    baton("import", "servicenow-log", str(SMALL_LOG), "--quiet")
    longer = workdir / "longer.csv"
    shutil.copyfile(SMALL_LOG, longer)
    with longer.open("a", newline="") as stream:  # INC4 goes on: a move to Group B
        last = SMALL_LOG.read_text().splitlines()[17]  # INC4's good first row
        stream.write(
            last.replace(",0,true,", ",1,true,")
            .replace("3/3/2016 09:00,Phone", "4/3/2016 09:00,Phone")
            .replace("Group A,?", "Group B,?")
            + "\r\n"
        )
    output = baton("import", "servicenow-log", str(longer), "--quiet").output
    assert "0 new, 1 already in the ledger got new entries" in output
    assert "2 ledger entries written" in output  # INC4's move and its new summary
    assert "were there already" in output
    table = baton("ledger", "sn-log:INC4").output
    assert "held by Group B" in table and table.count("holder-changed") == 2


def test_older_moves_never_rewrite_a_ticket_the_ledger_already_follows_further(workdir):
    rows = SMALL_LOG.read_text().splitlines()
    later = workdir / "later.csv"  # only INC4's move to Group B, a day after the moves of the small log
    later.write_text(
        rows[0]
        + "\r\n"
        + rows[17]
        .replace(",0,true,", ",1,true,")
        .replace("3/3/2016 09:00,Phone", "4/3/2016 09:00,Phone")
        .replace("Group A,?", "Group B,?")
        + "\r\n"
    )
    baton("import", "servicenow-log", str(later), "--quiet")
    output = baton("import", "servicenow-log", str(SMALL_LOG), "--quiet").output
    assert "moves older than what the ledger already holds for their ticket" in output
    assert "held by Group B" in baton("ledger", "sn-log:INC4").output, "the present holder stays the present one"


def test_import_a_jira_changelog_export(workdir):
    output = baton("import", "jira-changelog", str(JIRA), "--group-field", "customfield_10010", "--quiet").output
    assert "2 rows read, 0 rejected" in output and "2 tickets (2 new" in output
    table = baton("ledger", "jira:10001").output  # HELP-1, keyed by its id as the Jira connector keys it
    assert "held by Network/Carol Agent" in table and "1 bounce" in table  # Alice -> the Network queue
    metrics = report_json("--instance", "jira")
    assert metrics["tool_counter"]["tickets"] == 0
    pickups = {row["group"]: row["median"] for row in metrics["pickup_by_group"]}
    assert pickups == {"Service Desk": 30.0, "Network": 60.0}  # Network queue 09:00 UTC -> Carol 10:00 UTC
    assert metrics["resolution_after_last_handoff_minutes"]["median"] == 270.0  # 09:00 -> resolved 13:30 UTC


def test_an_incident_whose_rows_are_apart_is_read_whole(workdir):
    lines = SMALL_LOG.read_text().splitlines()
    apart = workdir / "apart.csv"  # INC1's first row moved to the end of the file
    apart.write_text("\r\n".join([lines[0], *lines[2:], lines[1]]) + "\r\n", newline="")
    baton("import", "servicenow-log", str(apart), "--quiet", "--instance", "apart")
    baton("import", "servicenow-log", str(SMALL_LOG), "--quiet", "--instance", "together")
    assert report_json("--instance", "apart")["bounces"] == report_json("--instance", "together")["bounces"]
    assert "held by Group B/Resolver 2" in baton("ledger", "apart:INC1").output


RT_CONNECTOR = """\
connectors:
  {name}:
    type: {type}
    url: http://127.0.0.1:1/REST/2.0
    auth: {{username_env: RT_IMPORT_USER, password_env: RT_IMPORT_PASSWORD}}
    options: {{profile: request-tracker5}}
"""


def refused(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 2, result.output
    return result.output


def test_importing_rt_needs_its_connector_in_the_deployment_file(workdir, monkeypatch):
    assert "reads the Request Tracker connector from the deployment file, and there is none" in refused("import", "rt")
    config = workdir / "baton.yaml"
    config.write_text(RT_CONNECTOR.format(name="rt", type="rest"))
    output = refused("--config", str(config), "import", "rt", "--instance", "desk")
    assert "--instance desk: no such connector (configured: rt)" in output
    # the password comes from the environment only; its absence is named, never guessed
    monkeypatch.setenv("RT_IMPORT_USER", "baton")
    monkeypatch.delenv("RT_IMPORT_PASSWORD", raising=False)
    output = refused("--config", str(config), "import", "rt")
    assert "connectors.rt: auth.password_env: environment variable RT_IMPORT_PASSWORD is not set" in output


def test_importing_rt_from_a_connector_of_another_type_is_refused(workdir):
    config = workdir / "baton.yaml"
    config.write_text(RT_CONNECTOR.format(name="sn", type="servicenow"))
    output = refused("--config", str(config), "import", "rt", "--instance", "sn")
    assert "connectors.sn: a servicenow connector; `baton import rt` needs `type: rest`" in output
