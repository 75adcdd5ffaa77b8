"""Jira webhook deliveries, sans-I/O: every recorded payload in tests/connectors/jira/reference, signatures, outcomes.

Cloud payloads are read by a Cloud connector, Server ones by a Data Center one, unless a test says why not.
`tess` is Baton's name for the 2019 payloads' "Test User" (accountId TESS, user name `admin`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from baton_itsm.core.connector import WebhookOutcome
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEventKind
from tests.connectors.jira.jira_fixtures import SECRET, TESS, connector, fixture, raw, sent_at, signed

CLOUD_USERS = {"users": {"tess": TESS}}


def parse(name_or_body, cloud: bool = True, headers: dict | None = None, **options):
    body = raw(name_or_body) if isinstance(name_or_body, str) else name_or_body
    jira = connector(cloud=cloud, now=sent_at(body), **{**CLOUD_USERS, **options})
    return jira.parse_webhook(signed(body) if headers is None else headers, body)


def one_event(name: str, cloud: bool = True, **options):
    result = parse(name, cloud, **options)
    assert result.outcome is WebhookOutcome.ACCEPTED, result.reason
    (event,) = result.events
    return event


# --- assignments ---------------------------------------------------------------------------------
def test_cloud_issue_assigned_is_a_holder_change_named_by_account_id():
    event = one_event("jira_webhook_mattermost_issue-updated-assigned.json")
    assert (event.ticket, event.event_id, event.kind) == (
        TicketKey("jira", "10040"),
        "10230",
        ToolEventKind.HOLDER_CHANGED,
    )
    # the 2019 changelog names the assignee `admin`; the payload's user objects say that is accountId TESS
    assert (event.old_holder, event.new_holder, event.actor) == (Holder("TES"), Holder("TES", "tess"), "tess")
    assert event.at == datetime(2019, 2, 16, 3, 18, 1, 752000, tzinfo=UTC)  # `timestamp`, epoch milliseconds
    assert event.fields["key"] == "TES-41" and event.fields["url"] == "http://127.0.0.1:9/browse/TES-41"
    assert (event.fields["priority"], event.fields["status"], event.fields["category"]) == ("High", "To Do", "Story")


def test_unassigning_leaves_the_ticket_in_its_group_queue():
    event = one_event("jira_webhook_mattermost_issue-updated-assigned-nobody.json")
    assert (event.event_id, event.old_holder, event.new_holder) == ("10231", Holder("TES", "tess"), Holder("TES"))


def test_server_says_issue_updated_where_cloud_says_issue_assigned_and_names_users_by_name():
    assert (
        fixture("jira_webhook_mattermost_issue-updated-assigned-on-server.json")["issue_event_type_name"]
        == "issue_updated"
    )
    event = one_event("jira_webhook_mattermost_issue-updated-assigned-on-server.json", cloud=False)
    assert (event.ticket.ticket_id, event.event_id, event.kind) == ("10226", "10225", ToolEventKind.HOLDER_CHANGED)
    assert (event.old_holder, event.new_holder, event.actor) == (Holder("PRJA"), Holder("PRJA", "admin"), "admin")
    assert event.fields["requester"] == "instance.admin@example.com"


def test_an_assignment_with_an_empty_changelog_reads_the_assignee_from_the_issue():
    payload = fixture("jira_webhook_mattermost_issue-updated-assigned.json")
    payload["changelog"]["items"] = []  # seen from Jira (mattermost-plugin-jira #1272)
    event = one_event(json.dumps(payload).encode())
    assert (event.kind, event.event_id, event.new_holder) == (
        ToolEventKind.HOLDER_CHANGED,
        "10230",
        Holder("TES", "tess"),
    )


def test_a_current_cloud_changelog_item_is_read_by_its_tmp_account_id():
    payload = fixture("jira_webhook_mattermost_issue-updated-assigned.json")
    kushal = "712020:5cec603e-f7f9-4bbe-853d-faf3158621e0"  # the real 2024 Cloud item quoted in the notes
    payload["changelog"]["items"] = [
        {
            "field": "assignee",
            "fieldtype": "jira",
            "fieldId": "assignee",
            "from": None,
            "fromString": None,
            "to": kushal,
            "toString": "Kushal Ganji",
            "tmpFromAccountId": None,
            "tmpToAccountId": kushal,
        }
    ]
    payload["issue"]["fields"]["assignee"] = {"accountId": kushal, "displayName": "Kushal Ganji", "active": True}
    event = one_event(json.dumps(payload).encode(), users={"kushal": kushal})
    assert (event.old_holder, event.new_holder) == (Holder("TES"), Holder("TES", "kushal"))


def test_the_group_side_comes_from_the_configured_field_and_group_names():
    options = {"group_field": {"TES": {"field": "components"}}, "group_names": {"COMP-1": "Desktop"}}
    event = one_event("jira_webhook_mattermost_issue-updated-assigned.json", **options)
    assert (event.old_holder, event.new_holder) == (Holder("Desktop"), Holder("Desktop", "tess"))


def moved_in_one_edit(by: dict | None = None) -> bytes:
    """The real issue_assigned delivery, as Jira sends one edit that moves the issue from component COMP-1 to
    COMP-2 and assigns it: one changelog with several items (as the real resolved delivery carries resolution
    and status in one changelog), the component as two items, out of the old one and into the new."""
    payload = fixture("jira_webhook_mattermost_issue-updated-assigned.json")
    payload["issue"]["fields"]["components"] = [
        {"self": "https://some-instance-test.atlassian.net/rest/api/2/component/10001", "id": "10001", "name": "COMP-2"}
    ]
    payload["changelog"]["items"][:0] = [
        {
            "field": "Component",
            "fieldtype": "jira",
            "fieldId": "components",
            "from": "10000",
            "fromString": "COMP-1",
            "to": None,
            "toString": None,
        },
        {
            "field": "Component",
            "fieldtype": "jira",
            "fieldId": "components",
            "from": None,
            "fromString": None,
            "to": "10001",
            "toString": "COMP-2",
        },
    ]
    payload["issue_event_type_name"] = "issue_updated"
    if by is not None:
        payload["user"] = by
    return json.dumps(payload).encode()


BY_GROUP = {"group_field": {"TES": {"field": "components"}}}


def test_a_move_of_group_and_person_in_one_edit_is_one_holder_change():
    result = parse(moved_in_one_edit(), **BY_GROUP)
    assert result.outcome is WebhookOutcome.ACCEPTED, result.reason
    (event,) = result.events  # never COMP-2 with nobody, nor COMP-1 with tess
    assert (event.event_id, event.kind, event.actor) == ("10230", ToolEventKind.HOLDER_CHANGED, "tess")
    assert (event.old_holder, event.new_holder) == (Holder("COMP-1"), Holder("COMP-2", "tess"))


def test_batons_own_edit_of_group_and_person_is_one_change_by_baton():
    baton = "557058:0f0c4d5e-baton"
    by = {
        "self": "https://some-instance-test.atlassian.net/rest/api/2/user?accountId=" + baton,
        "accountId": baton,
        "displayName": "Baton",
        "active": True,
    }
    result = parse(moved_in_one_edit(by), **BY_GROUP, users={"tess": TESS, "baton": baton})
    (event,) = result.events
    assert (event.actor, event.old_holder, event.new_holder) == ("baton", Holder("COMP-1"), Holder("COMP-2", "tess"))


# --- creation, resolution, comments --------------------------------------------------------------
def test_a_created_issue_is_one_event_with_its_holder_now():
    event = one_event("jira_webhook_mattermost_issue-created.json")
    assert (event.event_id, event.kind, event.new_holder, event.actor) == (
        "created:10040",
        ToolEventKind.CREATED,
        Holder("TES"),
        "tess",
    )


def test_a_2025_cloud_creation_names_people_by_account_id():
    event = one_event("jira_webhook_real_cloud_2025_issue_created_TM-100.json")
    assert (event.ticket.ticket_id, event.event_id, event.new_holder) == ("10411", "created:10411", Holder("TM"))
    assert event.actor == "712020:c9deea9c-b204-4bdb-9e10-8fc5837c0831"  # not in options.users: the id itself
    assert event.fields["requester"] == "Benjamin Moen"  # Cloud hides the address: the name is what is known
    assert event.at == datetime(2025, 3, 2, 20, 34, 0, 940000, tzinfo=UTC)


def test_a_resolution_is_a_resolved_event_with_the_resolution_as_its_text():
    event = one_event("jira_webhook_mattermost_issue-updated-resolved.json")
    assert (event.event_id, event.kind, event.text) == ("10228", ToolEventKind.RESOLVED, "Done")
    assert (event.fields["status"], event.fields["status_category"]) == ("Done", "done")


def test_a_move_and_a_resolution_in_one_history_are_two_events():
    payload = fixture("jira_webhook_mattermost_issue-updated-resolved.json")
    payload["changelog"]["items"].append(
        {
            "field": "assignee",
            "fieldtype": "jira",
            "fieldId": "assignee",
            "from": "admin",
            "fromString": "Test User",
            "to": None,
            "toString": None,
        }
    )
    events = parse(json.dumps(payload).encode()).events
    assert [(e.event_id, e.kind) for e in events] == [
        ("10228", ToolEventKind.HOLDER_CHANGED),
        ("10228:resolved", ToolEventKind.RESOLVED),
    ]
    assert events[0].old_holder == Holder("TES", "tess") and events[0].new_holder == Holder("TES")


def test_a_cloud_comment_is_a_commented_event_with_its_text():
    event = one_event("jira_webhook_mattermost_cloud-comment-created-mention-user.json")
    assert (event.ticket.ticket_id, event.event_id, event.kind, event.actor) == (
        "10040",
        "comment:10019",
        ToolEventKind.COMMENTED,
        "tess",
    )
    assert event.text == "Added a comment with mentioned user [~user]"


def test_data_center_takes_comments_from_issue_commented_which_carries_the_issue():
    event = one_event("jira_webhook_mattermost_server-issue-updated-commented-1.json", cloud=False)
    assert (event.ticket.ticket_id, event.event_id, event.text, event.actor) == (
        "10013",
        "comment:10082",
        "unik",
        "levbrouk",
    )
    assert event.fields["key"] == "PRJX-14"
    server_comment = parse("jira_webhook_mattermost_server-comment-created.json", cloud=False)
    assert server_comment.outcome is WebhookOutcome.IGNORED  # the same comment 10082, without its issue


def test_cloud_takes_comments_from_comment_created_and_ignores_issue_commented():
    result = parse("jira_webhook_mattermost_server-issue-updated-commented-1.json")
    assert result.outcome is WebhookOutcome.IGNORED and "comment_created" in result.reason


def test_a_comment_without_an_issue_is_placed_by_the_comment_url():
    """Jira Server's comment_created has no issue object; its comment's `self` names the issue id."""
    event = one_event("jira_webhook_mattermost_server-comment-created.json")
    assert (event.ticket.ticket_id, event.event_id, event.text) == ("10013", "comment:10082", "unik")


# --- outcomes of deliveries Baton does not take in -----------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "jira_doc_openapi_v3_issue_changelog_get_200.json",
        "jira_doc_openapi_v3_issue_get_200.json",
        "jira_doc_openapi_v3_search_get_200.json",
        "jira_errors_observed.json",
        "jira_real_cloud_issue_comments_list.json",
        "jira_real_sanitized_issue_get_FOO-123_fields_all.json",
        "jsm_doc_request_HELPDESK-1.json",
        "jsm_real_cloud_sla_and_request_type_field_values_TACEA-4540.json",
    ],
)
def test_an_api_answer_posted_as_a_webhook_is_anomalous(name):
    """These are REST answers (read in test_jira_reading.py), not deliveries: no webhookEvent."""
    result = parse(name)
    assert result.outcome is WebhookOutcome.ANOMALOUS and "webhookEvent" in result.reason


def test_a_deleted_issue_is_ignored():
    payload = {**fixture("jira_webhook_mattermost_issue-created.json"), "webhookEvent": "jira:issue_deleted"}
    assert parse(json.dumps(payload).encode()).outcome is WebhookOutcome.IGNORED


def test_an_unknown_kind_of_delivery_is_unsupported():
    payload = {"timestamp": 1550287081752, "webhookEvent": "jira:version_released", "version": {"id": "10000"}}
    result = parse(json.dumps(payload).encode())
    assert result.outcome is WebhookOutcome.UNSUPPORTED and "jira:version_released" in result.reason


def test_an_issue_of_a_project_baton_does_not_watch_is_ignored():
    result = parse("jira_webhook_mattermost_issue-updated-assigned.json", projects=["HELP"])
    assert result.outcome is WebhookOutcome.IGNORED and "TES" in result.reason


def test_an_update_without_its_issue_is_anomalous():
    payload = fixture("jira_webhook_mattermost_issue-updated-assigned.json")
    del payload["issue"]
    assert parse(json.dumps(payload).encode()).outcome is WebhookOutcome.ANOMALOUS


def test_a_body_that_is_not_json_is_anomalous():
    assert parse(b"{not json").outcome is WebhookOutcome.ANOMALOUS


# --- signatures and delivery ids ------------------------------------------------------------------
ASSIGNED = "jira_webhook_mattermost_issue-updated-assigned.json"


def test_a_good_signature_is_accepted_and_checked_on_the_raw_bytes():
    body = raw(ASSIGNED)
    jira = connector()
    assert jira.verify_signature(signed(body), body)
    assert jira.verify_signature({k.lower(): v for k, v in signed(body).items()}, body)  # header names vary in case
    assert not jira.verify_signature(signed(body), json.dumps(json.loads(body)).encode())  # same JSON, other bytes


def test_a_wrong_signature_is_anomalous():
    result = parse(ASSIGNED, headers=signed(raw(ASSIGNED), secret=b"someone else"))
    assert result.outcome is WebhookOutcome.ANOMALOUS and "X-Hub-Signature" in result.reason


def test_a_missing_signature_is_anomalous():
    assert parse(ASSIGNED, headers={"X-Atlassian-Webhook-Identifier": "d1"}).outcome is WebhookOutcome.ANOMALOUS


def test_without_a_configured_secret_nothing_verifies():
    body = raw(ASSIGNED)
    assert connector(secret=None).parse_webhook(signed(body), body).outcome is WebhookOutcome.ANOMALOUS


def test_a_replayed_delivery_has_the_delivery_id_and_events_of_the_first():
    body = raw(ASSIGNED)
    first = parse(body, headers=signed(body, delivery="5f1c0de8-0001"))
    again = parse(body, headers=signed(body, delivery="5f1c0de8-0001", **{"X-Atlassian-Webhook-Retry": "1"}))
    assert first.delivery_id == again.delivery_id == "jira-event:jira:issue_updated/10040/10230//1550287081752"
    assert [e.event_id for e in again.events] == [e.event_id for e in first.events] == ["10230"]


def test_the_delivery_id_is_the_signed_event_never_the_unsigned_identifier_header():
    """X-Atlassian-Webhook-Identifier is not covered by the signature: a captured body posted again under a new
    identifier, or none, is the same delivery."""
    body = raw(ASSIGNED)
    ids = {parse(body, headers=signed(body, delivery=d)).delivery_id for d in ("5f1c0de8-0001", "forged-2", None)}
    assert len(ids) == 1
    comment = raw("jira_webhook_mattermost_cloud-comment-created-mention-user.json")
    assert parse(comment).delivery_id == "jira-event:comment_created/10040//10019/1550286678321"


def test_a_body_older_than_the_tolerance_is_refused_as_a_replay():
    body = raw(ASSIGNED)  # timestamp 2019-02-16T03:18:01.752Z
    late = connector(now=datetime(2019, 2, 16, 4, 18, 2, tzinfo=UTC), users={"tess": TESS})
    result = late.parse_webhook(signed(body), body)
    assert result.outcome is WebhookOutcome.ANOMALOUS and "more than 3600 s from now" in result.reason
    in_time = connector(now=datetime(2019, 2, 16, 3, 48, tzinfo=UTC), users={"tess": TESS})  # a retry 30 min on
    assert in_time.parse_webhook(signed(body), body).outcome is WebhookOutcome.ACCEPTED
    strict = connector(now=datetime(2019, 2, 16, 3, 20, tzinfo=UTC), webhook_tolerance_seconds=60)
    assert strict.parse_webhook(signed(body), body).outcome is WebhookOutcome.ANOMALOUS


def test_the_secret_is_not_in_any_outcome():
    result = parse(ASSIGNED, headers=signed(raw(ASSIGNED), secret=b"wrong"))
    assert SECRET.decode() not in result.reason
