"""Read a Jira export of issues fetched with expand=changelog into ImportedTickets.

Accepted shapes: a search response ({"issues": [...]}), a list of issues, or one issue; each issue
with `fields` and `changelog.histories` (the changelog pages as /rest/api/3/issue/{key}/changelog
returns them under `values` are accepted too). The holder's person is the assignee; its group is the
project key, or the value of another field (`group_field`: a field id such as customfield_10010, or
the field's name as the changelog spells it, e.g. "Team"), since Jira has no assignment group of its own.
The assignee and group an issue was created with are read back from the first change of each.

Tickets are keyed by the issue id, as the live Jira connector keys them (the id survives a move to another
project), so `baton run` continues an imported ticket; entries carry the connector's own event ids
(`created:ID`, the history id). The key stays visible in the ticket's browse URL, as the connector's facts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from baton_itsm.core.history.imported import HistoryReading, ImportedTicket, Progress, Rejection
from baton_itsm.core.rules.facts import RESOLVED_STATUSES

KIND = "jira-changelog"


def read_jira_changelog(
    path: str | Path, group_field: str = "project", progress: Progress | None = None
) -> HistoryReading:
    path = Path(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    issues = document.get("issues", [document]) if isinstance(document, dict) else list(document)
    reading = HistoryReading(str(path), KIND, iter(()))
    tickets = []
    for index, issue in enumerate(issues, start=1):
        reading.rows_read += 1
        try:
            tickets.append(issue_ticket(issue, group_field))
        except (KeyError, TypeError, ValueError) as error:
            reading.rejected.append(
                Rejection(
                    index,
                    f"issue {issue.get('key', '?') if isinstance(issue, dict) else '?'}"
                    f": {type(error).__name__}: {error}",
                )
            )
        if progress is not None:
            progress(index, len(issues))
    reading.tickets = iter(tickets)
    return reading


def utc_text(value: str) -> str:
    """Jira's `2022-07-15T09:19:44.990+0000` as `YYYY-MM-DD HH:MM:SS` UTC."""
    moment = (
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
        if "." in value
        else datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    )
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _name(value: Any) -> str | None:
    """A field value as text: a user's or option's display name, a project's key, or the text itself."""
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        for key in ("key", "displayName", "name", "value", "accountId"):
            if value.get(key):
                return str(value[key])
    return str(value)


def _matches(item: dict, field: str) -> bool:
    return field in (item.get("fieldId"), item.get("field"))


def browse_url(issue: dict) -> str | None:
    """The issue's page, from its REST `self` URL (`https://x.atlassian.net/rest/api/3/issue/10002`)."""
    self_url, key = issue.get("self"), issue.get("key")
    if not (isinstance(self_url, str) and key and "/rest/api/" in self_url):
        return None
    return f"{self_url.split('/rest/api/', 1)[0]}/browse/{key}"


def issue_ticket(issue: dict, group_field: str = "project") -> ImportedTicket:
    if not issue.get("id"):
        raise ValueError("no issue id (Baton keys Jira tickets by id, as its connector does)")
    ticket_id, fields = str(issue["id"]), issue["fields"]
    histories = (issue.get("changelog") or {}).get("histories") or (issue.get("changelog") or {}).get("values") or []
    histories = sorted(histories, key=lambda h: utc_text(h["created"]))
    changes = [
        (utc_text(h["created"]), _name(h.get("author")), str(h.get("id", f"{ticket_id}#{i}")), item)
        for i, h in enumerate(histories)
        for item in h.get("items", [])
    ]
    assignee_changes = [c for c in changes if _matches(c[3], "assignee")]
    group_changes = [c for c in changes if group_field != "project" and _matches(c[3], group_field)]
    person = assignee_changes[0][3].get("fromString") if assignee_changes else _name(fields.get("assignee"))
    group = group_changes[0][3].get("fromString") if group_changes else _name(fields.get(group_field))
    created = utc_text(fields["created"])
    snapshots = [
        (created, _name(fields.get("creator") or fields.get("reporter")), group, person or None, f"created:{ticket_id}")
    ]
    status, was_resolved, reopens, resolved_at = None, False, 0, None
    status_changes = [c for c in changes if _matches(c[3], "status")]
    if status_changes:
        status = status_changes[0][3].get("fromString")
        was_resolved = (status or "").lower() in RESOLVED_STATUSES
    for history_id, items in _by_history(changes):
        at, author = items[0][0], items[0][1]
        moved = False
        for *_, item in items:
            if _matches(item, "assignee"):
                person, moved = item.get("toString") or None, True
            elif group_field != "project" and _matches(item, group_field):
                group, moved = item.get("toString") or None, True
            elif _matches(item, "status"):
                resolved = (item.get("toString") or "").lower() in RESOLVED_STATUSES
                reopens += was_resolved and not resolved
                resolved_at = at if resolved and not was_resolved else resolved_at
                was_resolved = resolved
        if moved:  # one snapshot per changelog entry: a group and assignee changed together are one move
            snapshots.append((at, author, group, person, history_id))
    steps = []
    last: tuple[str | None, str | None] = (None, None)
    for at, actor, snap_group, snap_person, source_id in snapshots:
        if snap_group is None or (snap_group, snap_person) == last:
            continue
        steps.append((at, actor, snap_group, snap_person, source_id))
        last = (snap_group, snap_person)
    resolution_date = fields.get("resolutiondate")
    updated = utc_text(fields["updated"]) if fields.get("updated") else (changes[-1][0] if changes else created)
    return ImportedTicket(
        ticket_id=ticket_id,
        steps=steps,
        last_activity_at=updated,
        updates=1 + len(histories),
        source_event_id=f"{ticket_id}#summary@{updated}",
        status=_name(fields.get("status")),
        subject=fields.get("summary") or None,
        url=browse_url(issue),
        priority=_name(fields.get("priority")),
        category=_name(fields.get("issuetype")),
        requester=_name(fields.get("reporter")),
        tool_group=_name(fields.get(group_field)) if group_field in fields else group,
        tool_person=_name(fields.get("assignee")),
        opened_at=created,
        resolved_at=utc_text(resolution_date) if resolution_date else (resolved_at if was_resolved else None),
        reopen_count=reopens,
    )


def _by_history(changes: list[tuple]) -> list[tuple[str, list[tuple]]]:
    grouped: dict[str, list[tuple]] = {}
    for change in changes:
        grouped.setdefault(change[2], []).append(change)
    return list(grouped.items())
