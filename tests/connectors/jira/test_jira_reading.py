"""Jira REST answers from tests/connectors/jira/reference read into holders, facts, events and errors.

HTTP is mocked with `responses` only where a test is about a call (error bodies, paging); everything
else is the pure readers on the recorded JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses

from baton_itsm.connectors.jira.changelog import issue_events
from baton_itsm.connectors.jira.mapping import display, parse_time, sla_due
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ToolAuthError, ToolNotFound, ToolRefused
from tests.connectors.jira.jira_fixtures import BASE, connector, fixture, reader

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_jira_times_with_offsets_epoch_millis_and_jsm_date_objects():
    assert parse_time("2022-07-11T06:25:48.416-0400") == datetime(2022, 7, 11, 10, 25, 48, 416000, tzinfo=UTC)
    assert parse_time(1550287081752) == datetime(2019, 2, 16, 3, 18, 1, 752000, tzinfo=UTC)
    request = fixture("jsm_doc_request_HELPDESK-1.json")
    assert parse_time(request["createdDate"]) == datetime(2015, 10, 8, 7, 42, tzinfo=UTC)


def test_a_real_cloud_issue_reads_as_a_queue_holder_and_facts():
    issue = fixture("jira_real_sanitized_issue_get_FOO-123_fields_all.json")
    read = reader()
    assert read.holder(read.tool_holder(issue["fields"])) == Holder("FOO")  # unassigned: the project's queue
    assert read.facts(issue) == {
        "key": "FOO-123",
        "subject": "Sample",
        "priority": "Normal",
        "status": "Backlog",
        "status_category": "new",
        "category": "Epic",
        "requester": "abc@example.com",
        "requester_name": "ABC",  # the reporter's displayName
        "url": f"{BASE}/browse/FOO-123",
    }
    assert [e.kind for e in issue_events(read, "jira", issue, EPOCH)] == [ToolEventKind.CREATED]
    assert issue_events(read, "jira", issue, parse_time(issue["fields"]["updated"])) == []


def test_the_doc_issue_has_no_holder_fields_but_its_v3_comment_is_read_as_text():
    issue = fixture("jira_doc_openapi_v3_issue_get_200.json")
    read = reader()
    assert read.holder(read.tool_holder(issue["fields"])) == Holder("EX")
    (event,) = issue_events(read, "jira", issue, EPOCH)  # no `created` in Atlassian's example: no creation
    assert (event.kind, event.event_id, event.actor) == (
        ToolEventKind.COMMENTED,
        "comment:10000",
        "5b10a2844c20165700ede21g",
    )
    assert event.text.startswith("Lorem ipsum dolor sit amet")  # an ADF document, as plain text


def test_a_real_comment_list_is_one_event_per_comment_since_the_checkpoint():
    issue = {
        "id": "10000",
        "key": "FOO-1",
        "fields": {"project": {"key": "FOO"}, "comment": fixture("jira_real_cloud_issue_comments_list.json")},
    }
    events = issue_events(reader(), "jira", issue, parse_time("2022-10-25T20:21:35.000+0100"))
    assert [(e.event_id, e.text, e.actor) for e in events] == [
        ("comment:10001", "Second Comment", "557058:dc675182-d776-46f5-90fb-fe5637b71397")
    ]


def test_the_sla_due_is_the_earliest_running_cycle():
    slas = fixture("jsm_real_cloud_sla_and_request_type_field_values_TACEA-4540.json")
    objects = [v for k, v in slas.items() if k.startswith("customfield_")]
    # one SLA has no cycle, one completed its cycle, one runs until 2026-07-27 18:00 +0900
    assert sla_due(objects) == datetime(2026, 7, 27, 9, tzinfo=UTC)
    assert sla_due([slas["customfield_12084 (할 일 SLA)"]]) is None


def test_sla_fields_and_the_request_type_read_from_the_issue():
    slas = fixture("jsm_real_cloud_sla_and_request_type_field_values_TACEA-4540.json")
    fields = {
        "project": {"key": "TACEA"},
        "summary": "s",
        "customfield_10203": slas["customfield_10203 (고객 요청 유형 / Customer Request Type)"],
        "customfield_12151": slas["customfield_12151 (해결 시간 SLA / time to resolution, ongoing)"],
    }
    read = reader(category_field="customfield_10203", sla_fields=["customfield_12151"])
    facts = read.facts({"id": "49224", "key": "TACEA-4540", "fields": fields})
    assert facts["category"] == "개선 요청" and facts["sla_due"] == "2026-07-27T09:00:00+00:00"


def test_a_service_management_request_names_its_reporter_and_status():
    request = fixture("jsm_doc_request_HELPDESK-1.json")
    assert reader().people.requester(request["reporter"]) == "fred@example.com"
    assert display(request["currentStatus"]["status"]) == "Waiting for Support"


@responses.activate
def test_a_data_center_search_page_is_read_to_its_total():
    page = fixture("jira_doc_openapi_v3_search_get_200.json")
    responses.get(f"{BASE}/rest/api/2/search", json=page)
    changes = connector(cloud=False).changes_since("2021-01-01T00:00:00.000+0000")
    assert [e.event_id for e in changes.events] == ["comment:10000"] and not changes.more
    assert changes.checkpoint == "2021-01-01T00:00:00.000+0000"  # Atlassian's example has `updated: 1`
    sent = responses.calls[0].request
    assert (
        "startAt=0" in sent.url
        and "expand=changelog" in sent.url
        and "updated+%3E%3D+%222020%2F12%2F31+23%3A59%22" in sent.url
    )


@responses.activate
def test_a_changelog_cut_short_is_read_from_the_paged_changelog():
    page = fixture("jira_doc_openapi_v3_issue_changelog_get_200.json")
    responses.get(f"{BASE}/rest/api/2/issue/10010/changelog", json=page)
    issue = {
        "id": "10010",
        "key": "TT-1",
        "fields": {"project": {"key": "TT"}},
        "changelog": {"startAt": 0, "maxResults": 0, "total": 5, "histories": []},
    }
    jira = connector()
    events = issue_events(jira.reader, "jira", jira._complete(issue, EPOCH), EPOCH)
    assert [(e.event_id, e.kind) for e in events] == [
        ("10001", ToolEventKind.UPDATED),
        ("10002", ToolEventKind.UPDATED),
    ]


@pytest.mark.parametrize(
    "case, error, message",
    [
        ("404_issue_not_found_or_no_permission", ToolNotFound, "Issue does not exist or you do not have permission"),
        ("400_field_validation", ToolRefused, "Field 'labels' cannot be set"),
        ("401_cloud_json_variant", ToolAuthError, "Client must be authenticated to access this resource."),
        ("401_cloud_bad_or_scoped_token_text", ToolAuthError, "Client must be authenticated to access this resource."),
    ],
)
@responses.activate
def test_jira_error_bodies_become_tool_errors_with_jiras_reason(case, error, message):
    observed = fixture("jira_errors_observed.json")[case]
    if "body_text" in observed:
        responses.get(
            f"{BASE}/rest/api/2/issue/1",
            body=observed["body_text"],
            status=observed["status"],
            content_type="text/plain",
        )
    else:
        responses.get(f"{BASE}/rest/api/2/issue/1", json=observed["body"], status=observed["status"])
    with pytest.raises(error) as raised:
        connector().read_ticket("1")
    assert message in str(raised.value) and "pw" not in str(raised.value)


@responses.activate
def test_a_cloud_site_configured_as_data_center_is_told_so_on_410():
    assert fixture("jira_errors_observed.json")["410_gone_deprecated_search"]["status"] == 410
    responses.get(f"{BASE}/rest/api/2/search", status=410)
    with pytest.raises(ToolRefused, match="deployment: cloud"):
        connector(cloud=False).changes_since("2025-09-01T00:00:00.000+0000")


# --- writing the group side -------------------------------------------------------------------------
def test_the_edit_that_changes_the_group_follows_the_kind_of_field():
    from baton_itsm.connectors.jira.connector import _group_edit
    from baton_itsm.connectors.jira.options import GroupField

    picker = GroupField(field="customfield_10050")
    assert _group_edit(picker, "jira-desk", "jira-network", "1") == {
        "fields": {"customfield_10050": {"name": "jira-network"}}
    }
    team = GroupField(field="customfield_10001", kind="team", team_ids={"Network": "36885b3c-1bf0"})
    assert _group_edit(team, "Desk", "Network", "1") == {"fields": {"customfield_10001": "36885b3c-1bf0"}}
    with pytest.raises(ToolRefused, match="no id for team"):
        _group_edit(team, "Desk", "Vendor", "1")
    components = GroupField(field="components")
    assert _group_edit(components, None, "Network", "1") == {"update": {"components": [{"add": {"name": "Network"}}]}}
    with pytest.raises(ToolRefused, match="does not move issues between projects"):
        _group_edit(GroupField(), "HELP", "NET", "1")


def test_options_are_checked_when_the_connector_is_built():
    from baton_itsm.connectors.jira.options import parse_options
    from baton_itsm.core.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        parse_options({"deployment": "server", "timezone": "Mars/Olympus", "page_size": 500})
    assert [p.split(":")[0] for p in raised.value.problems] == [
        "options.deployment",
        "options.timezone",
        "options.page_size",
    ]
    assert parse_options({"group_field": {"HELP": "customfield_10050"}}).group_for("HELP").resolved_kind == "group"
    assert parse_options({}).group_for("ANY").resolved_kind == "project"
