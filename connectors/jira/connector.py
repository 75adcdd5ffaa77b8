"""The Jira Service Management connector: reads changes by JQL, acts through the REST APIs, takes webhooks.

Tickets are keyed by the issue id, not the key: the id survives a move to another project (which,
with the project as the group, is a change of holder) and is all a comment's URL names. The key and the
browse URL are among the ticket's facts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from baton_itsm.connectors.http import env_secret
from baton_itsm.connectors.jira.changelog import histories_of, issue_events
from baton_itsm.connectors.jira.client import JiraClient
from baton_itsm.connectors.jira.mapping import Reader, fields_of, parse_time, sla_due, sla_text
from baton_itsm.connectors.jira.options import GroupField, JiraOptions, parse_options
from baton_itsm.connectors.jira.people import People
from baton_itsm.connectors.jira.webhook import parse_webhook, verify_signature
from baton_itsm.core.clock import Clock, SystemClock
from baton_itsm.core.connector import Changes, Observation, ToolTicket, WebhookResult
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.errors import ConfigError, ToolConflict, ToolNotFound, ToolRefused

# Cloud's /search/jql is eventually consistent: each read reaches back this far before its checkpoint,
# and the inbox takes a change it has seen before as a no-op.
OVERLAP = timedelta(minutes=1)
BEGINNING = "1970-01-01T00:00:00.000+0000"
BASE_FIELDS = (
    "summary",
    "status",
    "priority",
    "assignee",
    "reporter",
    "creator",
    "project",
    "created",
    "updated",
    "resolution",
    "components",
)


@dataclass
class JiraConnector:
    instance: str
    client: JiraClient
    reader: Reader
    account: str | None = None
    webhook_secret: bytes | None = None
    clock: Clock = field(default_factory=SystemClock)  # a webhook body's own timestamp is checked against it

    def __post_init__(self) -> None:
        self.reader.now = lambda: self.clock.now()  # the clock tests set later is the one SLAs are read by

    @classmethod
    def from_config(cls, *, instance: str, config, environ: Mapping[str, str]) -> JiraConnector:
        options = parse_options(config.options)
        basic, token, username = _credentials(config.auth, environ)
        client = JiraClient.connect(
            config.url,
            basic=basic,
            token=token,
            cloud=options.cloud,
            timeout=options.timeout_seconds,
            page_size=options.page_size,
        )
        people = People(options.cloud, options.users)
        # Baton's own writes come back as changes by its account; on Data Center the login is that name.
        account = config.account or (people.baton(username) if username and not options.cloud else None)
        secret = environ.get(config.webhook_secret_env) if config.webhook_secret_env else None
        return cls(
            instance,
            client,
            Reader(options, people, client.http.base_url),
            account,
            secret.encode() if secret else None,
        )

    @property
    def http(self):
        return self.client.http

    @property
    def options(self) -> JiraOptions:
        return self.reader.options

    # --- reading ----------------------------------------------------------------------------
    def changes_since(self, checkpoint: str | None) -> Changes:
        if checkpoint is None:  # from now on: the newest update Jira has is where reading starts
            latest = next(self.client.search_pages(self._jql(order="DESC"), ["updated"], ""))[0]
            return Changes([], (fields_of(latest[0]).get("updated") if latest else None) or BEGINNING)
        window = parse_time(checkpoint).replace(second=0, microsecond=0) - OVERLAP
        jql = self._jql(f'updated >= "{self._jql_time(window)}"')
        events: list[ToolEvent] = []
        newest, more = checkpoint, False
        for page, (issues, more) in enumerate(self.client.search_pages(jql, self._fields()), start=1):
            for issue in issues:
                events += issue_events(self.reader, self.instance, self._complete(issue, window), window)
                updated = fields_of(issue).get("updated")
                if isinstance(updated, str) and parse_time(updated) > parse_time(newest):
                    newest = updated
            if more and page >= self.options.max_pages:
                break
        return Changes(sorted(events, key=lambda e: e.at), newest, more)

    def read_ticket(self, ticket_id: str) -> ToolTicket:
        issue = self.client.issue(ticket_id, self._fields())
        fields = fields_of(issue)
        self.reader.people.learn(issue)
        facts = self.reader.facts(issue)
        try:
            slas = self.client.slas(str(issue["id"]))
        except ToolNotFound:  # not a Service Management request (or no SLA Baton may see): no promise to read
            slas = []
        due = sla_due(slas)
        if due is not None:
            facts["sla_due"] = due.isoformat()
        if slas or "sla" not in facts:
            facts["sla"] = sla_text(slas, self.clock.now())
        holder = self.reader.holder(self.reader.tool_holder(fields))
        return ToolTicket(TicketKey(self.instance, str(issue["id"])), holder, None, facts)

    def observe(self, ticket_ids: Collection[str], checkpoint: str | None) -> dict[str, Observation]:
        """The issues' holders now, from one `id in (...)` search (paged), leaving out any issue updated after
        `checkpoint`: the next read brings that update first, in order.

        An issue the search does not return is read by id. Jira answers one 404 for an issue deleted and one Baton's
        account may not browse ("Issue does not exist or you do not have permission to see it."): that is `deleted`;
        `hidden` only when Jira says forbidden (403). A search naming an id that is gone is refused whole (400, "An
        issue with key ... does not exist for field ..."), so then each issue is read by id.
        """
        if not ticket_ids or checkpoint is None:
            return {}
        wanted = sorted(set(ticket_ids), key=lambda t: (len(t), t))
        found: dict[str, dict] = {}  # issue id -> the issue
        fields = ["assignee", "project", "updated", *self._group_fields()]
        try:
            for start in range(0, len(wanted), self.options.page_size):
                ids = ", ".join(wanted[start : start + self.options.page_size])
                for issues, _ in self.client.search_pages(self._jql(f"id in ({ids})"), fields, ""):
                    found.update((str(issue["id"]), issue) for issue in issues)
        except ToolRefused as refused:
            if refused.status != 400:
                raise
            found = {}
        newest = parse_time(checkpoint)
        seen: dict[str, Observation] = {}
        for ticket_id in wanted:
            issue = found.get(ticket_id)
            if issue is None:
                issue, lost = self._issue_or_why(ticket_id, fields)
                if lost:
                    seen[ticket_id] = Observation(None, lost=lost)
                    continue
            updated = fields_of(issue).get("updated")
            if isinstance(updated, str) and parse_time(updated) > newest:
                continue  # an update the poll has not read: it is read first
            self.reader.people.learn(issue)
            seen[ticket_id] = Observation(self.reader.holder(self.reader.tool_holder(fields_of(issue))))
        return seen

    # --- writing ----------------------------------------------------------------------------
    def set_holder(self, ticket_id: str, holder: Holder, expected: Holder | None = None) -> bool:
        """Jira has no conditional edit: the holder is read just before writing and compared with `expected`.

        A change of group is one edit of the group field and the assignee together, so it is one change
        in Jira's history and never leaves the issue half moved; a change of person alone is an assign.
        """
        issue = self.client.issue(ticket_id, ["assignee", "project", *self._group_fields()])
        fields = fields_of(issue)
        self.reader.people.learn(issue)
        now = self.reader.tool_holder(fields)
        current = self.reader.holder(now)
        if current == holder:
            return False
        if expected is not None and current != expected:
            raise ToolConflict(
                f"{self.instance}:{ticket_id} is held by {current or 'nobody'} now, not {expected}; "
                "Baton will decide again on the change"
            )
        person = self.reader.people.jira(holder.person) if holder.person else None
        if current is not None and current.group == holder.group:
            self.client.assign(ticket_id, person)
            return True
        spec = self.reader.group_spec(fields)
        body = _group_edit(spec, now.group, self._tool_group(holder.group), ticket_id)
        body.setdefault("fields", {})["assignee"] = self.client.user_ref(person) if person else None
        self.client.edit(ticket_id, body)
        return True

    def add_note(self, ticket_id: str, text: str) -> None:
        self.client.comment(ticket_id, text, public=False)

    def reply(self, ticket_id: str, text: str) -> None:
        self.client.comment(ticket_id, text, public=True)

    # --- webhooks and health ----------------------------------------------------------------
    def verify_signature(self, headers: Mapping[str, str], body: bytes) -> bool:
        return verify_signature(self.webhook_secret, headers, body)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        return parse_webhook(
            self.instance,
            self.reader,
            self.webhook_secret,
            headers,
            body,
            now=self.clock.now(),
            tolerance=self.options.webhook_tolerance_seconds,
        )

    def check(self) -> str:
        me = self.client.myself()
        who = me.get("accountId") if self.options.cloud else me.get("name")
        line = f"reachable at {self.http.base_url} as {me.get('displayName') or who} ({who})"
        zone = me.get("timeZone")
        if zone and zone != self.options.timezone:  # JQL reads times in the profile's zone: a mismatch skips changes
            line += f"; its profile time zone is {zone} but options.timezone says {self.options.timezone}"
        return line

    # --- internals --------------------------------------------------------------------------
    def _jql(self, *clauses: str, order: str = "ASC") -> str:
        projects = self.options.projects
        scope = [f"project in ({', '.join(_quoted(p) for p in projects)})"] if projects else []
        return " AND ".join([*scope, *clauses]) + f" ORDER BY updated {order}"

    def _jql_time(self, moment: datetime) -> str:
        """JQL takes minutes, in the searching account's own profile time zone."""
        return moment.astimezone(ZoneInfo(self.options.timezone)).strftime("%Y/%m/%d %H:%M")

    def _issue_or_why(self, ticket_id: str, fields: list[str]) -> tuple[dict | None, str | None]:
        try:
            return self.client.issue(ticket_id, fields), None
        except ToolNotFound:
            return None, "deleted"
        except ToolRefused as refused:
            if refused.status != 403:
                raise
            return None, "hidden"

    def _group_fields(self) -> list[str]:
        specs = [*self.options.group_field.values(), GroupField()]
        return sorted({"components" if s.resolved_kind == "component" else s.field for s in specs})

    def _fields(self) -> list[str]:
        extra = [*self._group_fields(), self.options.category_field, *self.options.sla_fields, "comment"]
        return list(dict.fromkeys([*BASE_FIELDS, *extra]))

    def _tool_group(self, group: str) -> str:
        """The group as Jira names it: the reverse of options.group_names."""
        return next((tool for tool, baton in self.options.group_names.items() if baton == group), group)

    def _complete(self, issue: dict, window: datetime) -> dict:
        """The issue with every history since `window`, when its embedded changelog was cut short.

        Reads the paged changelog from its newest page backwards until a history older than `window`.
        """
        changelog = issue.get("changelog") or {}
        histories = changelog.get("histories") or []
        total = int(changelog.get("total") or 0)
        if total <= len(histories):
            return issue
        known = {str(h["id"]): h for h in histories}
        start = total
        while start > 0:
            start = max(0, start - 100)
            page = self.client.changelog(str(issue["id"]), start)
            values = page.get("values") or []
            known.update((str(h["id"]), h) for h in values)
            if not values or min(parse_time(h["created"]) for h in values) < window:
                break
        return {**issue, "changelog": {"histories": histories_of({"changelog": {"values": list(known.values())}})}}


def _group_edit(spec: GroupField, old: str | None, new: str, ticket_id: str) -> dict:
    """The edit that puts an issue in group `new` (as Jira names it), per the kind of the group field."""
    kind = spec.resolved_kind
    if kind == "project":
        raise ToolRefused(
            f"{ticket_id}: the project is the group here, and Baton does not move issues between "
            "projects (a move changes workflows and fields); map the group to a field in "
            "options.group_field to let Baton change it"
        )
    if kind == "component":  # update, not set: the issue's other components stay
        changes = ([{"remove": {"name": old}}] if old else []) + [{"add": {"name": new}}]
        return {"update": {"components": changes}}
    if kind == "team":
        if new not in spec.team_ids:
            raise ToolRefused(f"{ticket_id}: no id for team {new!r} in options.group_field team_ids")
        return {"fields": {spec.field: spec.team_ids[new]}}
    return {"fields": {spec.field: {"name": new}}}  # a group picker


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _credentials(auth, environ: Mapping[str, str]) -> tuple[tuple[str, str] | None, str | None, str | None]:
    """(basic credentials, personal access token, login name) from the variables the config names."""

    def need(key: str, var: str | None) -> str:
        return env_secret(environ, key, var)

    if auth.type == "basic":  # Cloud: the account's e-mail and an API token; Data Center: name and password
        user = need("username_env", auth.username_env)
        return (user, need("password_env", auth.password_env)), None, user
    if auth.type == "token":  # Data Center personal access token (sent as a bearer token)
        return None, need("token_env", auth.token_env), None
    raise ConfigError([f"auth.type: the jira connector supports basic and token, not {auth.type}"])
