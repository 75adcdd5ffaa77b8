"""JSON in the shapes of the recorded payloads of ../reference, for the fake Jira that records cassettes.

Each builder names the fixture whose shape it copies. Nothing here is invented where a fixture shows the
shape; where none does (a Service Management comment's answer, the /sla envelope) the parts come from
the nearest recorded objects and the envelope from the paging notes (jira_rate_limiting_and_pagination.txt).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo


def jira_time(moment: datetime, zone: str) -> str:
    """`2022-07-11T06:25:48.416-0400` (jira_real_sanitized_issue_get_FOO-123_fields_all.json)."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


def jsm_date(moment: datetime, zone: str) -> dict:
    """A Service Management date object (jsm_real_cloud_sla_and_request_type_field_values_TACEA-4540.json)."""
    local = moment.astimezone(ZoneInfo(zone))
    return {
        "iso8601": local.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "jira": jira_time(moment, zone),
        "friendly": local.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": int(moment.timestamp() * 1000),
    }


def account_id(name: str) -> str:
    """A Cloud accountId in the current `712020:<uuid>` form
    (jira_webhook_real_cloud_2025_issue_created_TM-100.json)."""
    return "712020:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"baton-test/{name}"))


def avatars(seed: str) -> dict:
    base = f"https://secure.gravatar.com/avatar/{uuid.uuid5(uuid.NAMESPACE_URL, seed).hex}?d=mm&s="
    return {size: base + size.split("x")[0] for size in ("48x48", "24x24", "16x16", "32x32")}


def user(base: str, name: str, *, cloud: bool, key: str | None = None, zone: str = "UTC") -> dict:
    """Cloud: jira_real_cloud_issue_comments_list.json author (no name/key); Data Center:
    jira_webhook_mattermost_issue-updated-assigned-on-server.json user (name, key, no accountId)."""
    shown = name.capitalize() + " Agent"
    if cloud:
        aid = account_id(name)
        return {
            "self": f"{base}/rest/api/2/user?accountId={aid.replace(':', '%3A')}",
            "accountId": aid,
            "emailAddress": f"{name}@example.com",
            "avatarUrls": avatars(name),
            "displayName": shown,
            "active": True,
            "timeZone": zone,
            "accountType": "atlassian",
        }
    return {
        "self": f"{base}/rest/api/2/user?username={name}",
        "name": name,
        "key": key or name,
        "emailAddress": f"{name}@example.com",
        "avatarUrls": avatars(name),
        "displayName": shown,
        "active": True,
        "timeZone": zone,
    }


def project(base: str, key: str, pid: str) -> dict:
    """jira_webhook_real_cloud_2025_issue_created_TM-100.json issue.fields.project (without avatars)."""
    return {
        "self": f"{base}/rest/api/2/project/{pid}",
        "id": pid,
        "key": key,
        "name": f"{key} service desk",
        "projectTypeKey": "service_desk",
        "simplified": False,
    }


def component(base: str, name: str, cid: str) -> dict:
    """jira_webhook_mattermost_issue-updated-assigned.json issue.fields.components[0]."""
    return {"self": f"{base}/rest/api/2/component/{cid}", "id": cid, "name": name, "description": name}


STATUSES = {  # name -> (id, statusCategory) as in the webhook fixtures
    "Waiting for support": ("10001", {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"}),
    "In Progress": ("3", {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"}),
    "Done": ("10002", {"id": 3, "key": "done", "colorName": "green", "name": "Done"}),
}


def status(base: str, name: str) -> dict:
    sid, category = STATUSES[name]
    return {
        "self": f"{base}/rest/api/2/status/{sid}",
        "description": "",
        "name": name,
        "id": sid,
        "statusCategory": {"self": f"{base}/rest/api/2/statuscategory/{category['id']}", **category},
    }


def item(
    field: str, field_id: str | None, old, old_text, new, new_text, *, cloud: bool, user_field: bool = False
) -> dict:
    """A changelog item. Data Center gives no fieldId (…-assigned-on-server.json); current Cloud adds
    tmpFromAccountId/tmpToAccountId to user fields (…-real_cloud_2025_issue_created_TM-100.json)."""
    found = {
        "field": field,
        "fieldtype": "jira",
        **({"fieldId": field_id} if cloud and field_id else {}),
        "from": old,
        "fromString": old_text,
        "to": new,
        "toString": new_text,
    }
    if cloud and user_field:
        found.update(tmpFromAccountId=old, tmpToAccountId=new)
    return found


def history(hid: str, author: dict, created: str, items: list[dict]) -> dict:
    """A changelog history (jira_doc_openapi_v3_issue_changelog_get_200.json values[])."""
    return {"id": hid, "author": author, "created": created, "items": items}


def comment(base: str, issue_id: str, cid: str, author: dict, body: str, created: str, public: bool) -> dict:
    """jira_real_cloud_issue_comments_list.json comments[]: jsdPublic is the customer-visible flag."""
    return {
        "self": f"{base}/rest/api/2/issue/{issue_id}/comment/{cid}",
        "id": cid,
        "author": author,
        "body": body,
        "updateAuthor": author,
        "created": created,
        "updated": created,
        "jsdPublic": public,
    }


def desk_comment(base: str, issue_id: str, cid: str, author: dict, body: str, public: bool, created: dict) -> dict:
    """The answer to POST /rest/servicedeskapi/request/{id}/comment: a JSM comment, its author as the
    reporter of jsm_doc_request_HELPDESK-1.json and its date as a JSM date object."""
    who = {
        k: author[k]
        for k in ("accountId", "name", "key", "emailAddress", "displayName", "active", "timeZone")
        if k in author
    }
    return {
        "id": cid,
        "body": body,
        "public": public,
        "author": {**who, "_links": {"self": author["self"]}},
        "created": created,
        "_links": {"self": f"{base}/rest/servicedeskapi/request/{issue_id}/comment/{cid}"},
    }


def sla(base: str, issue_id: str, started: dict, breach: dict, goal_ms: int, elapsed_ms: int) -> dict:
    """An SLA with a running cycle (customfield_12151 of the TACEA-4540 fixture)."""

    def duration(ms: int) -> dict:
        return {"millis": ms, "friendly": f"{ms // 3_600_000}h {ms % 3_600_000 // 60_000}m"}

    return {
        "id": "58",
        "name": "Time to resolution",
        "_links": {"self": f"{base}/rest/servicedeskapi/request/{issue_id}/sla/58"},
        "completedCycles": [],
        "ongoingCycle": {
            "startTime": started,
            "breachTime": breach,
            "breached": False,
            "paused": False,
            "withinCalendarHours": False,
            "goalDuration": duration(goal_ms),
            "elapsedTime": duration(elapsed_ms),
            "remainingTime": duration(goal_ms - elapsed_ms),
        },
        "slaDisplayFormat": "NEW_SLA_FORMAT",
    }


def desk_page(base: str, path: str, values: list) -> dict:
    """Service Management paging: {size, start, limit, isLastPage, _links{base, context, self}, values}."""
    return {
        "size": len(values),
        "start": 0,
        "limit": 50,
        "isLastPage": True,
        "_links": {"base": base, "context": "", "self": f"{base}{path}"},
        "values": values,
    }


# The bodies Jira gives its errors, from jira_errors_observed.json.
NOT_FOUND = {"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}
UNAUTHENTICATED = "Client must be authenticated to access this resource."
