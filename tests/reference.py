"""Where the tests find the real payloads they read: copies kept in the repository, each with its provenance.

Each tool's tests and payloads live together under `tests/connectors/TOOL/`: `reference/` holds the tool's
reference payloads (ServiceNow, Jira and JSM, Request Tracker 5) as collected from public repositories and vendor
documentation, each `FILE` beside a `FILE.source.txt` that names where it came from (its README lists them, its
PROVENANCE.md says how they came here); `fixtures/` holds other real or documented files, each with its provenance.
`tests/connectors/servicenow/incident-log/` holds the real ServiceNow incident event log (UCI, CC BY 4.0; its README
says what it is). A fresh clone runs every test with nothing beside it; the benchmarks read the same log by default
and take another path as an argument.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"  # what is no tool's: calendars, Slack and Teams shapes
CONNECTORS = TESTS / "connectors"
TOOL_FOLDERS = {"servicenow": "servicenow", "jira": "jira", "rt": "rest"}  # Request Tracker: the REST connector's
SERVICENOW_FIXTURES = CONNECTORS / "servicenow" / "fixtures"
JIRA_FIXTURES = CONNECTORS / "jira" / "fixtures"
RT5_FIXTURES = CONNECTORS / "rest" / "fixtures" / "rt5"
SMALL_LOG = SERVICENOW_FIXTURES / "small_log.csv"
INCIDENT_LOG = CONNECTORS / "servicenow" / "incident-log" / "incident_event_log.zip"


def reference_payloads(tool: str) -> Path:
    """The folder of one tool's reference payloads: `servicenow`, `jira` or `rt`."""
    folder = CONNECTORS / TOOL_FOLDERS.get(tool, tool) / "reference"
    if not folder.is_dir():
        raise FileNotFoundError(f"no reference payloads for {tool!r} in {folder}")
    return folder
