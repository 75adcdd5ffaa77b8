"""A fake Jira (Cloud or Data Center) on loopback, answering in the shapes of tests/connectors/jira/reference.

It is used only to record the cassettes in tests/connectors/jira/cassettes/ (BATON_RECORD_CASSETTES=1); replays never
start it. Tests change it as agents would in Jira (create, assign, move, resolve); Baton's own calls
change it through its REST API, as the authenticated account. `down` answers 503 to everything and
`fail` queues answers for the next requests (429s, 401s).

Absences and refusals: a deleted issue answers 404 with the one message Jira gives for an issue that does not
exist and one the caller may not see (tests/connectors/jira/reference/jira_errors_observed.json,
404_issue_not_found_or_no_permission); a search naming an issue id that is gone is refused whole, 400, unless
validateQuery is off (Jira Server answers "An issue with key 'PROJ-1234' does not exist for field 'issue'" and
"if validateQuery=false, Jira just ignores missing issues": github.com/jonas0007/Jira.SDK/issues/45); a person in
`unassignable` (no "Assignable User" permission) is refused as assignee with Jira's field error, 400, in the
ErrorCollection shape of jira_errors_observed.json's 400_field_validation, and nothing of that edit is written.
"""

from __future__ import annotations

import base64
import json
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from tests.connectors.jira.integration import jira_shapes as shapes
from tests.integration.loopback import LoopbackServer

# The JQL Baton writes, and no other: clauses joined by AND, then ORDER BY updated ASC|DESC.
JQL = re.compile(r"^(?:(?P<where>.+) )?ORDER BY updated (?P<order>ASC|DESC)$")
CLAUSES = {
    "projects": re.compile(r"^project in \((.+)\)$"),
    "ids": re.compile(r"^id in \(([\d, ]+)\)$"),
    "since": re.compile(r'^updated >= "(\d{4}/\d\d/\d\d \d\d:\d\d)"$'),
}


def parse_jql(jql: str) -> dict:
    parsed = JQL.match(jql)
    assert parsed, f"the fake understands only Baton's JQL, not {jql!r}"
    found = {"order": parsed["order"]}
    for clause in (parsed["where"] or "").split(" AND ") if parsed["where"] else []:
        name, match = next(((n, p.match(clause)) for n, p in CLAUSES.items() if p.match(clause)), (None, None))
        assert match, f"the fake understands only Baton's JQL, not the clause {clause!r} of {jql!r}"
        found[name] = match.group(1)
    return found


@dataclass
class Issue:
    id: str
    key: str
    project: str
    created: datetime
    updated: datetime
    summary: str
    reporter: str
    assignee: str | None
    component: str | None
    status: str = "Waiting for support"
    resolved: bool = False
    histories: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)


class FakeJira:
    def __init__(
        self,
        clock,
        *,
        cloud: bool,
        public_url: str,
        zone: str,
        logins: dict[str, tuple[str, str]],
        people: list[str],
        keys: dict[str, str] | None = None,
        embedded_histories: int = 100,
        sla_field: str | None = None,
    ):
        self.clock, self.cloud, self.base, self.zone = clock, cloud, public_url.rstrip("/"), zone
        self.logins = logins  # login -> (person, password)
        self.users = {p: shapes.user(self.base, p, cloud=cloud, key=(keys or {}).get(p), zone=zone) for p in people}
        self.components = {"Service Desk": "10000", "Network": "10001"}
        self.issues: dict[str, Issue] = {}
        self.embedded_histories = embedded_histories  # how many histories a search embeds per issue
        self.down = False
        self.fail: deque = deque()  # (status, headers, body) for the next requests
        self._ids = iter(range(10300, 99999))
        self.unassignable: set[str] = set()  # people Jira refuses as assignee
        self.deleted: set[str] = set()
        self.webhooks: dict[str, dict] = {}  # admin webhooks by id, as registered (with the secret Jira keeps)
        self._webhook_ids = iter(range(1, 9999))
        self.sla_field = sla_field  # the custom field issues carry their SLA in (as TACEA-4540's customfield_12151)

    # --- what agents do in Jira -----------------------------------------------------------------
    def create(
        self,
        summary: str,
        *,
        project: str = "SD",
        component: str | None = "Service Desk",
        assignee: str | None = None,
        by: str = "rita",
    ) -> str:
        number = len(self.issues) + len(self.deleted)  # ids and keys are never reused after a delete
        issue_id = str(10040 + number)
        now = self.clock.now()
        self.issues[issue_id] = Issue(
            issue_id, f"{project}-{number + 1}", project, now, now, summary, by, assignee, component
        )
        return issue_id

    def assign(self, issue_id: str, person: str | None, *, by: str) -> None:
        self._change(issue_id, by, assignee=person)

    def move(self, issue_id: str, component: str, *, by: str, assignee: str | None = "keep") -> None:
        self._change(issue_id, by, component=component, **({} if assignee == "keep" else {"assignee": assignee}))

    def comment(self, issue_id: str, text: str, *, by: str, public: bool = True) -> None:
        issue, now = self.issues[issue_id], self.clock.now()
        issue.comments.append(
            shapes.comment(self.base, issue_id, str(next(self._ids)), self.users[by], text, self._time(now), public)
        )
        issue.updated = now

    def resolve(self, issue_id: str, *, by: str) -> None:
        issue = self.issues[issue_id]
        items = [
            shapes.item("resolution", "resolution", None, None, "10000", "Done", cloud=self.cloud),
            shapes.item(
                "status", "status", shapes.STATUSES[issue.status][0], issue.status, "10002", "Done", cloud=self.cloud
            ),
        ]
        issue.status, issue.resolved = "Done", True
        self._history(issue, by, items)

    def delete(self, issue_id: str) -> None:
        self.deleted.add(issue_id)
        del self.issues[issue_id]

    def transition(self, issue_id: str, status: str, *, by: str) -> None:
        """A workflow transition to `status` (one history with the status item; Done sets the resolution too)."""
        issue = self.issues[issue_id]
        if status == "Done":
            self.resolve(issue_id, by=by)
            return
        items = [
            shapes.item(
                "status",
                "status",
                shapes.STATUSES[issue.status][0],
                issue.status,
                shapes.STATUSES[status][0],
                status,
                cloud=self.cloud,
            )
        ]
        if issue.resolved:
            items.insert(0, shapes.item("resolution", "resolution", "10000", "Done", None, None, cloud=self.cloud))
        issue.status, issue.resolved = status, False
        self._history(issue, by, items)

    def refusal(self, person: str | None) -> tuple[int, dict, dict] | None:
        if person in self.unassignable:
            return 400, {}, {"errorMessages": [], "errors": {"assignee": f"User '{person}' cannot be assigned issues."}}
        return None

    def _change(self, issue_id: str, by: str, **change) -> None:
        """One edit is one changelog history, with one item per field it changed (a component as two items,
        out of the old one and into the new), never a history per field. Sources: the real Cloud delivery
        tests/connectors/jira/reference/jira_webhook_mattermost_issue-updated-resolved.json (one transition: one
        changelog with the items resolution and status) and ..._issue-created.json (five items in one changelog); the
        changelog shape (a history: id, author, created, items[]) is Atlassian's own example,
        jira_doc_openapi_v3_issue_changelog_get_200.json."""
        issue, items = self.issues[issue_id], []
        if "component" in change and change["component"] != issue.component:
            old, new = issue.component, change["component"]
            if old:
                items.append(
                    shapes.item("Component", "components", self.components[old], old, None, None, cloud=self.cloud)
                )
            items.append(
                shapes.item("Component", "components", None, None, self.components[new], new, cloud=self.cloud)
            )
            issue.component = new
        if "assignee" in change and change["assignee"] != issue.assignee:
            old, new = (self._user_ref(p) for p in (issue.assignee, change["assignee"]))
            items.append(
                shapes.item("assignee", "assignee", old[0], old[1], new[0], new[1], cloud=self.cloud, user_field=True)
            )
            issue.assignee = change["assignee"]
        if items:
            self._history(issue, by, items)

    def _user_ref(self, person: str | None) -> tuple[str | None, str | None]:
        """How a changelog names a user: accountId on Cloud, the user *key* on Data Center."""
        if person is None:
            return None, None
        user = self.users[person]
        return (user["accountId"] if self.cloud else user["key"]), user["displayName"]

    def _history(self, issue: Issue, by: str, items: list[dict]) -> None:
        now = self.clock.now()
        issue.histories.append(shapes.history(str(next(self._ids)), self.users[by], self._time(now), items))
        issue.updated = now

    def _time(self, moment: datetime) -> str:
        return shapes.jira_time(moment, self.zone)

    # --- webhook deliveries ------------------------------------------------------------------------
    def delivery(self, issue_id: str, *, by: str) -> dict:
        """What Jira posts to an admin webhook for the issue's latest change: jira:issue_updated with the latest
        history as `changelog` {id, items}, or jira:issue_created while it has none. Shapes: the captured Cloud
        deliveries tests/connectors/jira/reference/jira_webhook_mattermost_issue-updated-assigned.json (timestamp in
        epoch milliseconds, webhookEvent, issue_event_type_name, user, issue with its fields, changelog {id, items}) and
        ..._issue-created.json (no changelog); the items are the history's own, as in
        ..._issue-updated-resolved.json."""
        issue = self.issues[issue_id]
        body = {
            "timestamp": int(self.clock.now().timestamp() * 1000),
            "user": self.users[by],
            "issue": self._issue_json(issue, {}, with_changelog=False),
        }
        if not issue.histories:
            return {**body, "webhookEvent": "jira:issue_created", "issue_event_type_name": "issue_created"}
        latest = issue.histories[-1]
        assigned = any(item.get("field") == "assignee" for item in latest["items"])
        return {
            **body,
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_assigned" if assigned else "issue_generic",
            "changelog": {"id": latest["id"], "items": latest["items"]},
        }

    # --- the REST API ------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict, body: bytes) -> tuple[int, dict, object]:
        if self.down:
            return 503, {}, None
        if self.fail:
            return self.fail.popleft()
        me = self._login(headers.get("Authorization", ""))
        if me is None:
            return 401, {"Content-Type": "text/plain"}, shapes.UNAUTHENTICATED
        url = urlsplit(target)
        path, query = re.sub(r"^/jira", "", url.path), {k: v[-1] for k, v in parse_qs(url.query).items()}
        data = json.loads(body) if body else None
        for pattern, verb, handler in self._routes():
            found = re.fullmatch(pattern, path)
            if found and verb == method:
                return handler(me, query, data, *found.groups())
        return 404, {}, {"errorMessages": [f"no route {method} {path}"], "errors": {}}

    def _routes(self):
        issue = r"/rest/api/2/issue/(\d+)"
        return [
            (r"/rest/api/2/search/jql", "GET", self._search_cloud),
            (r"/rest/api/2/search", "GET", self._search_dc),
            (issue, "GET", self._get_issue),
            (issue + "/changelog", "GET", self._changelog),
            (issue + "/assignee", "PUT", self._put_assignee),
            (issue, "PUT", self._edit),
            (issue, "DELETE", self._delete),
            (r"/rest/servicedeskapi/request/(\d+)/comment", "POST", self._desk_comment),
            (r"/rest/servicedeskapi/request/(\d+)/sla", "GET", self._sla),
            (r"/rest/api/2/myself", "GET", lambda me, q, d: (200, {}, self.users[me])),
            (r"/rest/webhooks/1.0/webhook", "GET", self._webhooks),
            (r"/rest/webhooks/1.0/webhook", "POST", self._webhook_create),
            (r"/rest/webhooks/1.0/webhook/(\d+)", "PUT", self._webhook_update),
            (r"/rest/webhooks/1.0/webhook/(\d+)", "DELETE", self._webhook_delete),
        ]

    # --- admin webhooks (/rest/webhooks/1.0/webhook) ---------------------------------------------------
    # Shapes from Atlassian's Data Center page "Webhooks" (developer.atlassian.com/server/jira/platform/webhooks,
    # "Registering a webhook via the Jira REST API"): the request {name, url, events, filters
    # {"issue-related-events-section": JQL}, excludeBody}, the answer the same with enabled, self
    # (.../rest/webhooks/1.0/webhook/ID), lastUpdatedUser, lastUpdatedDisplayName, lastUpdated (epoch ms); 201 on
    # create, 204 on delete; GET lists them. Cloud keeps admin webhooks at the same path (cloud/jira/platform/webhooks)
    # and takes `secret` (write only: never in an answer). Only administrators may manage them: others get 403.
    def _webhook_json(self, webhook_id: str) -> dict:
        kept = self.webhooks[webhook_id]
        return {
            **{k: v for k, v in kept.items() if k != "secret"},
            "self": f"{self.base}/rest/webhooks/1.0/webhook/{webhook_id}",
        }

    def _webhook_admin(self, me: str) -> tuple[int, dict, dict] | None:
        if me != "baton":
            return 403, {}, {"errorMessages": ["You are not an administrator."], "errors": {}}
        return None

    def _webhook_body(self, me: str, data: dict) -> dict:
        return {
            "name": data["name"],
            "url": data["url"],
            "excludeBody": bool(data.get("excludeBody", False)),
            "filters": {
                "issue-related-events-section": (data.get("filters") or {}).get("issue-related-events-section", "")
            },
            "events": list(data.get("events") or []),
            "enabled": bool(data.get("enabled", True)),
            "secret": data.get("secret"),
            "lastUpdatedUser": me,
            "lastUpdatedDisplayName": self.users[me]["displayName"],
            "lastUpdated": int(self.clock.now().timestamp() * 1000),
        }

    def _webhooks(self, me, query, data):
        return self._webhook_admin(me) or (200, {}, [self._webhook_json(i) for i in self.webhooks])

    def _webhook_create(self, me, query, data):
        if refused := self._webhook_admin(me):
            return refused
        webhook_id = str(next(self._webhook_ids))
        self.webhooks[webhook_id] = self._webhook_body(me, data)
        return 201, {}, self._webhook_json(webhook_id)

    def _webhook_update(self, me, query, data, webhook_id):
        if refused := self._webhook_admin(me):
            return refused
        if webhook_id not in self.webhooks:
            return 404, {}, {"errorMessages": [f"Webhook with id {webhook_id} does not exist"], "errors": {}}
        self.webhooks[webhook_id] = self._webhook_body(me, data)
        return 200, {}, self._webhook_json(webhook_id)

    def _webhook_delete(self, me, query, data, webhook_id):
        if refused := self._webhook_admin(me):
            return refused
        if self.webhooks.pop(webhook_id, None) is None:
            return 404, {}, {"errorMessages": [f"Webhook with id {webhook_id} does not exist"], "errors": {}}
        return 204, {}, None

    def _login(self, header: str) -> str | None:
        if header.startswith("Basic "):
            login, _, password = base64.b64decode(header[6:]).decode().partition(":")
            person, expected = self.logins.get(login, (None, None))
            return person if password == expected else None
        if header.startswith("Bearer "):
            return next((p for p, secret in self.logins.values() if secret == header[7:]), None)
        return None

    def _found(self, jql: str) -> list[Issue]:
        parsed = parse_jql(jql)
        chosen = list(self.issues.values())
        if parsed.get("projects"):
            keys = {p.strip().strip('"') for p in parsed["projects"].split(",")}
            chosen = [i for i in chosen if i.project in keys]
        if parsed.get("ids"):
            ids = [i.strip() for i in parsed["ids"].split(",")]
            chosen = [i for i in chosen if i.id in ids]
        if parsed.get("since"):  # JQL minutes, in the searching account's profile zone
            since = datetime.strptime(parsed["since"], "%Y/%m/%d %H:%M").replace(tzinfo=ZoneInfo(self.zone))
            chosen = [i for i in chosen if i.updated >= since]
        return sorted(chosen, key=lambda i: (i.updated, int(i.id)), reverse=parsed["order"] == "DESC")

    def _missing(self, query: dict) -> tuple[int, dict, dict] | None:
        ids = parse_jql(query["jql"]).get("ids")
        gone = [i.strip() for i in ids.split(",") if i.strip() not in self.issues] if ids else []
        if gone and query.get("validateQuery", "strict") not in ("false", "none", "warn"):
            return (
                400,
                {},
                {
                    "errorMessages": [f"An issue with key '{gone[0]}' does not exist for field 'id'."],
                    "warningMessages": [],
                },
            )
        return None

    def _search_cloud(self, me, query, data):
        if not self.cloud:
            return 404, {}, {"errorMessages": ["null for uri: /rest/api/2/search/jql"], "errors": {}}
        if refused := self._missing(query):
            return refused
        found, size = self._found(query["jql"]), int(query.get("maxResults", 50))
        start = int(base64.b64decode(query["nextPageToken"]).decode()) if "nextPageToken" in query else 0
        page = {"issues": [self._issue_json(i, query, True) for i in found[start : start + size]]}
        if start + size < len(found):  # the token is simply absent on the last page (JRACLOUD-92184)
            page["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        page["isLast"] = "nextPageToken" not in page
        return 200, {}, page

    def _search_dc(self, me, query, data):
        if self.cloud:
            return 410, {}, None  # retired on Cloud; no body was ever captured
        if refused := self._missing(query):
            return refused
        found, size, start = self._found(query["jql"]), int(query.get("maxResults", 50)), int(query.get("startAt", 0))
        return (
            200,
            {},
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(found),
                "issues": [self._issue_json(i, query, True) for i in found[start : start + size]],
            },
        )

    def _get_issue(self, me, query, data, issue_id):
        if issue_id not in self.issues:
            return 404, {}, shapes.NOT_FOUND
        return 200, {}, self._issue_json(self.issues[issue_id], query, "changelog" in query.get("expand", ""))

    def _changelog(self, me, query, data, issue_id):
        if issue_id not in self.issues:
            return 404, {}, shapes.NOT_FOUND
        histories = self.issues[issue_id].histories
        start, size = int(query.get("startAt", 0)), int(query.get("maxResults", 100))
        values, last = histories[start : start + size], start + size >= len(histories)
        page = {
            "self": f"{self.base}/rest/api/2/issue/{issue_id}/changelog?startAt={start}&maxResults={size}",
            "maxResults": size,
            "startAt": start,
            "total": len(histories),
            "isLast": last,
            "values": values,
        }
        if not last:
            page["nextPage"] = (
                f"{self.base}/rest/api/2/issue/{issue_id}/changelog?&startAt={start + size}&maxResults={size}"
            )
        return 200, {}, page

    def _person(self, ref) -> str | None:
        wanted = None if ref is None else ref.get("accountId" if self.cloud else "name")
        return (
            None
            if wanted is None
            else next(p for p, u in self.users.items() if u.get("accountId" if self.cloud else "name") == wanted)
        )

    def _put_assignee(self, me, query, data, issue_id):
        if issue_id not in self.issues:
            return 404, {}, shapes.NOT_FOUND
        if refused := self.refusal(self._person(data)):
            return refused
        self.assign(issue_id, self._person(data), by=me)
        return 204, {}, None

    def _delete(self, me, query, data, issue_id):
        if issue_id not in self.issues:
            return 404, {}, shapes.NOT_FOUND
        self.delete(issue_id)
        return 204, {}, None

    def _edit(self, me, query, data, issue_id):
        if issue_id not in self.issues:
            return 404, {}, shapes.NOT_FOUND
        change = {}
        if "assignee" in data.get("fields", {}):
            change["assignee"] = self._person(data["fields"]["assignee"])
            if refused := self.refusal(change["assignee"]):
                return refused
        for step in data.get("update", {}).get("components", []):
            if "add" in step:
                change["component"] = step["add"]["name"]
        self._change(issue_id, me, **change)
        return 204, {}, None

    def _desk_comment(self, me, query, data, issue_id):
        if issue_id not in self.issues:
            return 404, {}, shapes.NOT_FOUND
        issue, now = self.issues[issue_id], self.clock.now()
        cid = str(next(self._ids))
        issue.comments.append(
            shapes.comment(self.base, issue_id, cid, self.users[me], data["body"], self._time(now), data["public"])
        )
        issue.updated = now
        return (
            201,
            {},
            shapes.desk_comment(
                self.base, issue_id, cid, self.users[me], data["body"], data["public"], shapes.jsm_date(now, self.zone)
            ),
        )

    def _sla(self, me, query, data, issue_id):
        if issue_id not in self.issues:
            return 404, {}, shapes.NOT_FOUND
        running = self._running_sla(self.issues[issue_id])
        return 200, {}, shapes.desk_page(self.base, f"/rest/servicedeskapi/request/{issue_id}/sla", [running])

    def _running_sla(self, issue: Issue) -> dict:
        """An 8-hour time-to-resolution SLA running since the issue was created, on a 24x7 calendar."""
        goal = timedelta(hours=8)
        return shapes.sla(
            self.base,
            issue.id,
            shapes.jsm_date(issue.created, self.zone),
            shapes.jsm_date(issue.created + goal, self.zone),
            int(goal.total_seconds() * 1000),
            int((self.clock.now() - issue.created).total_seconds() * 1000),
        )

    def _issue_json(self, issue: Issue, query: dict, with_changelog: bool) -> dict:
        base = self.base
        every = {
            "summary": issue.summary,
            "status": shapes.status(base, issue.status),
            "priority": {"self": f"{base}/rest/api/2/priority/3", "name": "Medium", "id": "3"},
            "assignee": self.users[issue.assignee] if issue.assignee else None,
            "reporter": self.users[issue.reporter],
            "creator": self.users[issue.reporter],
            "project": shapes.project(base, issue.project, "10003"),
            "created": self._time(issue.created),
            "updated": self._time(issue.updated),
            "resolution": {
                "self": f"{base}/rest/api/2/resolution/10000",
                "id": "10000",
                "name": "Done",
                "description": "Work has been completed on this issue.",
            }
            if issue.resolved
            else None,
            "components": [shapes.component(base, issue.component, self.components[issue.component])]
            if issue.component
            else [],
            "issuetype": {
                "self": f"{base}/rest/api/2/issuetype/10017",
                "id": "10017",
                "name": "Service Request",
                "description": "Tasks track small, distinct pieces of work.",
                "subtask": False,
                "avatarId": 10318,
                "hierarchyLevel": 0,
            },
            "comment": {
                "comments": issue.comments,
                "maxResults": len(issue.comments),
                "total": len(issue.comments),
                "startAt": 0,
            },
            **({self.sla_field: self._running_sla(issue)} if self.sla_field else {}),
        }
        wanted = [f for f in query.get("fields", "*all").split(",") if f]
        fields = every if "*all" in wanted else {f: every.get(f) for f in wanted}
        found = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue.id,
            "self": f"{base}/rest/api/2/issue/{issue.id}",
            "key": issue.key,
            "fields": fields,
        }
        if with_changelog:
            shown = issue.histories[: self.embedded_histories]
            found["changelog"] = {
                "startAt": 0,
                "maxResults": len(shown),
                "total": len(issue.histories),
                "histories": shown,
            }
        return found

    # --- serving ---------------------------------------------------------------------------------
    def serve(self) -> LoopbackServer:
        """The fake on a free port of 127.0.0.1, for as long as the `with` block lasts."""

        def answer(method: str, target: str, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
            status, extra, payload = self.handle(method, target, headers, body)
            data = (
                b""
                if payload is None
                else payload.encode()
                if isinstance(payload, str)
                else json.dumps(payload).encode()
            )
            return status, {"Content-Type": "application/json;charset=UTF-8", **extra}, data

        return LoopbackServer(answer)
