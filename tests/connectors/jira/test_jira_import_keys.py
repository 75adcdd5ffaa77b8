"""The Jira history import and the live Jira connector name the same issue the same ticket.

An import followed by `baton run` must continue one ticket, not start a second: both key by the issue id,
and the import's entries carry the connector's own event ids, so an overlap is recognised.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from baton_itsm.connectors.jira.changelog import issue_events
from baton_itsm.connectors.jira.changelog_import import issue_ticket, read_jira_changelog
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.tool_events import ToolEventKind
from tests.connectors.jira.jira_fixtures import fixture, reader
from tests.reference import JIRA_FIXTURES

EXPORT = JIRA_FIXTURES / "search_expand_changelog.json"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_a_real_issue_is_one_ticket_key_for_the_import_and_the_connector():
    issue = fixture("jira_real_sanitized_issue_get_FOO-123_fields_all.json")  # id 138135, key FOO-123
    imported = issue_ticket(issue)
    (created,) = [e for e in issue_events(reader(), "jira", issue, EPOCH) if e.kind is ToolEventKind.CREATED]
    assert TicketKey("jira", imported.ticket_id) == created.ticket == TicketKey("jira", "138135")
    assert imported.steps[0][4] == created.event_id  # the creation is one entry, whoever wrote it first
    # The key stays where people read it: the browse URL, and the summary as the subject, as the connector's facts.
    assert imported.url == "https://sample.atlassian.net/browse/FOO-123"
    assert imported.subject == reader().facts(issue)["subject"] == "Sample"


def test_an_exported_changelog_is_keyed_by_id_with_the_connectors_event_ids():
    document = json.loads(EXPORT.read_text())
    by_id = {t.ticket_id: t for t in read_jira_changelog(EXPORT, "customfield_10010").tickets}
    assert sorted(by_id) == ["10001", "10002"]
    issue = document["issues"][0]
    events = issue_events(reader(group_field={"*": "customfield_10010"}), "jira", issue, EPOCH)
    assert {e.ticket for e in events} == {TicketKey("jira", "10001")}
    moves = {e.event_id for e in events if e.kind is ToolEventKind.HOLDER_CHANGED}
    imported = {step[4] for step in by_id["10001"].steps[1:]}
    assert imported <= moves and imported  # every imported move is a change the connector reports by that id
    assert by_id["10001"].url == "https://example.atlassian.net/browse/HELP-1"


def test_an_issue_without_an_id_is_rejected_with_the_reason(tmp_path):
    export = tmp_path / "no-id.json"
    issue = json.loads(EXPORT.read_text())["issues"][1]
    del issue["id"]
    export.write_text(json.dumps({"issues": [issue]}))
    reading = read_jira_changelog(export)
    assert list(reading.tickets) == []
    (rejection,) = reading.rejected
    assert rejection.reason.startswith("issue HELP-2: ValueError: no issue id")
