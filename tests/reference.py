"""Where the tests find the real payloads they read: copies kept in the repository, each with its provenance.

`tests/fixtures/reference/` holds the project's reference payloads of each tool (ServiceNow, Jira and JSM,
Request Tracker 5) as collected from public repositories and vendor documentation, each `FILE` beside a
`FILE.source.txt` that names where it came from (its README lists them). `tests/fixtures/servicenow-incident-log/`
holds the real ServiceNow incident event log (UCI, CC BY 4.0; its README says what it is). A fresh clone runs every
test with nothing beside it; the benchmarks read the same log by default and take another path as an argument.
"""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE = FIXTURES / "reference"
INCIDENT_LOG = FIXTURES / "servicenow-incident-log" / "incident_event_log.zip"


def reference_payloads(tool: str) -> Path:
    """The folder of one tool's reference payloads: `servicenow`, `jira` or `rt`."""
    folder = REFERENCE / tool
    if not folder.is_dir():
        raise FileNotFoundError(f"no reference payloads for {tool!r} in {REFERENCE}")
    return folder
