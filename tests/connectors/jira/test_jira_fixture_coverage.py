"""Every recorded Jira payload in tests/connectors/jira/reference is read by some test: a new fixture without one
fails."""

from __future__ import annotations

from pathlib import Path

from tests.connectors.jira.jira_fixtures import reference_dir

HERE = Path(__file__).parent
JIRA_TESTS = ("test_jira_webhooks.py", "test_jira_reading.py")


def test_every_reference_jira_payload_is_loaded_by_a_test():
    sources = "\n".join((HERE / name).read_text(encoding="utf-8") for name in JIRA_TESTS)
    fixtures = sorted(p.name for p in reference_dir().glob("*.json"))
    assert fixtures, "no Jira fixtures found"
    assert [name for name in fixtures if f'"{name}"' not in sources] == []
