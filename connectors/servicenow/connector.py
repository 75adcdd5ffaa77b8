"""The ServiceNow connector: polls a task table, reads who moved tickets from sys_audit, writes holders back.

A ticket's id in Baton is its number (INC0010001): what agents see and say, and what history imports use.
The sys_id each write needs is remembered from reads, so a write costs no extra lookup after a poll.

One poll page costs: one query for the changed tickets, one sys_audit query for all of them (holder
changes and who made them), and at most one query per table (sys_user_group, sys_user) for the ids never
seen before. With `mode: webhook`, creations and holder changes come from the business rule instead. With
`both`, from either: the poll still reads sys_audit, as the backstop for deliveries lost while Baton was down,
and names each change as the delivery of it does (webhook.change_id), so the intake takes it once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from baton_itsm.connectors.http import HttpClient, RetryPolicy, credentials
from baton_itsm.connectors.servicenow.audit import holder_changes, newer_holder_change
from baton_itsm.connectors.servicenow.changes import HolderStep, TicketView, holder_steps, ticket_events
from baton_itsm.connectors.servicenow.checkpoint import Checkpoint, seen_as
from baton_itsm.connectors.servicenow.client import TableClient
from baton_itsm.connectors.servicenow.facts import ticket_fields
from baton_itsm.connectors.servicenow.mapping import (
    GROUP_FIELD,
    HOLDER_FIELDS,
    PERSON_FIELD,
    TICKET_FIELDS,
    AuditRow,
    SnTicket,
    read_ticket,
)
from baton_itsm.connectors.servicenow.names import Names
from baton_itsm.connectors.servicenow.options import ServiceNowOptions, parse_options
from baton_itsm.connectors.servicenow.sla import TASK_SLA_FIELDS, slas_by_task
from baton_itsm.connectors.servicenow.values import format_time, parse_time, quote, ref
from baton_itsm.connectors.servicenow.webhook import parse_delivery, signature_valid
from baton_itsm.core.clock import Clock, SystemClock
from baton_itsm.core.connector import Changes, Observation, ToolTicket, WebhookResult
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.errors import ConfigError, ToolConflict, ToolNotFound, ToolRefused

EMPTY_TABLE_MARGIN = timedelta(days=1)


@dataclass
class ServiceNowConnector:
    instance: str
    client: TableClient
    options: ServiceNowOptions = field(default_factory=ServiceNowOptions)
    account: str | None = None
    webhook_secret: bytes | None = None
    holders_from_audit: bool = True  # False with mode webhook: only the business rule reports holder changes
    clock: Clock = field(default_factory=SystemClock)
    names: Names = field(init=False)
    _sys_ids: dict[str, str] = field(default_factory=dict, repr=False)  # number -> sys_id
    _seen: dict[str, tuple[int, str]] = field(default_factory=dict, repr=False)  # number -> (mod count, time) reported

    def __post_init__(self) -> None:
        self.names = Names(self.client)

    @classmethod
    def from_config(cls, *, instance: str, config, environ: Mapping[str, str]) -> ServiceNowConnector:
        options = parse_options(config.options)
        # an OAuth access token is obtained outside Baton and sent as a bearer token
        auth, headers, user = credentials(config.auth, environ, connector="servicenow", token_types=("token", "oauth"))
        secret = environ.get(config.webhook_secret_env) if config.webhook_secret_env else None
        if config.mode != "poll" and not secret:
            raise ConfigError([f"webhook_secret_env: mode {config.mode} needs the secret the business rule signs with"])
        http = HttpClient(
            config.url,
            headers={"Accept": "application/json", **headers},
            auth=auth,
            timeout=options.timeout_seconds,
            retry=RetryPolicy(),
        )
        return cls(
            instance,
            TableClient(http, options.api_path),
            options,
            config.account or user,
            secret.encode() if secret else None,
            holders_from_audit=config.mode != "webhook",
        )

    @property
    def http(self) -> HttpClient:
        return self.client.http

    @property
    def _ticket_fields(self) -> tuple[str, ...]:
        return (*TICKET_FIELDS, self.options.requester_field)

    # --- reading ----------------------------------------------------------------------------
    def changes_since(self, checkpoint: str | None) -> Changes:
        if checkpoint is None:
            return Changes([], str(self._start()))
        point, events, more = Checkpoint.parse(checkpoint), [], False
        for _ in range(self.options.pages_per_read):
            fresh, read, more = self._page_after(point)
            events += self._events(fresh, audit_since=point.audit_since(fresh), origin=point.origin)
            point = point.after(read)
            if not more:
                break
        return Changes(sorted(events, key=lambda e: e.at), str(point), more)

    def read_ticket(self, ticket_id: str) -> ToolTicket:
        record = self._find(ticket_id)
        return self.ticket_of(record, self._slas([record]).get(record.sys_id, {}))

    def observe(self, ticket_ids: Collection[str], checkpoint: str | None) -> dict[str, Observation]:
        """The tickets' holders now, from one `numberIN` query per page of numbers, leaving out any ticket updated
        after `checkpoint` and not read yet (the next poll reads that update first, in order).

        A number the query does not return, while Baton may read the table, is gone from Baton's sight. ServiceNow
        says the same for a deleted record and one an ACL hides ("Record doesn't exist or ACL restricts the record
        retrieval", 404): that is `deleted`; `hidden` only when it says Baton's account may not read (403).
        """
        if not ticket_ids or checkpoint is None:
            return {}
        point, wanted = Checkpoint.parse(checkpoint), sorted(set(ticket_ids))
        found: dict[str, SnTicket] = {}
        for start in range(0, len(wanted), self.options.page_size):
            numbers = ",".join(wanted[start : start + self.options.page_size])
            for raw in self.client.query(
                self.options.table, query=f"numberIN{numbers}", fields=self._ticket_fields, limit=self.options.page_size
            ):
                record = read_ticket(raw, self.options.requester_field)
                if record.number is not None:  # asked for by number, so each answer has one
                    found[record.number] = record
        self._learn_names(list(found.values()))
        seen: dict[str, Observation] = {}
        for number in wanted:
            ticket = found.get(number)
            if ticket is None:
                seen[number] = self._unseen(number)
            elif not _unread(point, ticket):
                self._sys_ids[number] = ticket.sys_id
                seen[number] = Observation(_holder(self._named(ticket)))
        return seen

    def ticket_of(self, record: SnTicket, sla: Mapping[str, str] | None = None) -> ToolTicket:
        """A record as Baton sees a ticket: holder named, `version` the sys_mod_count, facts for the rules (with
        `sla`, the `sla` fact read beside it)."""
        self._learn_names([record])
        key = TicketKey(self.instance, record.number or record.sys_id)
        return ToolTicket(key, _holder(self._named(record)), _version(record), {**self._fields(record), **(sla or {})})

    # --- writing ----------------------------------------------------------------------------
    def set_holder(self, ticket_id: str, holder: Holder, expected: Holder | None = None) -> bool:
        """True when written; False when the ticket already had that holder (a repeated action is harmless)."""
        record = self._find(ticket_id)
        self._learn_names([record])
        current = _holder(self._named(record))
        if current == holder:
            return False
        if expected is not None and current != expected:
            raise ToolConflict(
                f"{self.instance}:{ticket_id} is held by {current or 'nobody'} now, not {expected} "
                f"({record.updated_by} changed it at {record.updated_on} UTC); Baton decides again "
                "when it reads that change"
            )
        self._refuse_over_newer_holder(ticket_id, record)
        body = {}
        if current is None or current.group != holder.group:
            body[GROUP_FIELD] = self.names.group_id(holder.group)
        if current is None or current.person != holder.person:
            body[PERSON_FIELD] = self.names.person_id(holder.person) if holder.person else ""
        written = self.client.patch(
            self.options.table, record.sys_id, body, ("sys_id", *HOLDER_FIELDS, "sys_mod_count", "sys_updated_on")
        )
        if written is not None:  # a business rule or data policy may change a write and still answer 200
            changed = [name for name, value in body.items() if _sys_id(written.get(name)) != value]
            if changed:
                raise ToolRefused(
                    f"{self.instance}:{ticket_id}: ServiceNow did not keep Baton's "
                    f"{' and '.join(changed)} (a business rule or data policy changed the write)"
                )
            self._remember(read_ticket({**written, "number": ticket_id}))
        return True

    def add_note(self, ticket_id: str, text: str) -> None:
        """A work note: agents see it, the requester does not."""
        self._journal(ticket_id, "work_notes", text)

    def reply(self, ticket_id: str, text: str) -> None:
        """An additional comment: the requester sees it (and is e-mailed, per the instance's notifications)."""
        self._journal(ticket_id, "comments", text)

    # --- webhooks and health ----------------------------------------------------------------
    def verify_signature(self, headers: Mapping[str, str], body: bytes) -> bool:
        return signature_valid(self.webhook_secret, headers, body)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        return parse_delivery(
            self.instance,
            table=self.options.table,
            secret=self.webhook_secret,
            tolerance=self.options.webhook_tolerance_seconds,
            now=self.clock.now(),
            states=self.options.states,
            base_url=self.http.base_url,
            headers=headers,
            body=body,
        )

    def check(self) -> str:
        who = self.account or "(token)"
        if self.account and not self.client.first(
            "sys_user", query=f"user_name={quote(self.account)}", fields=("sys_id",)
        ):
            raise ToolRefused(f"{self.instance}: no sys_user with user_name {self.account!r} (connectors.account)")
        if self.holders_from_audit:  # reading sys_audit needs a role most accounts lack: say so now, not mid-poll
            self.client.first("sys_audit", query=f"tablename={self.options.table}^documentkey=0", fields=("sys_id",))
        if self.options.read_slas:  # task_sla too (read_slas): an ACL refusing it would stop every poll
            self.client.first("task_sla", query="task=0", fields=("sys_id",))
        return f"reachable at {self.http.base_url} as {who}, reading {self.options.table}" + (
            " and its task_sla" if self.options.read_slas else ""
        )

    # --- internals --------------------------------------------------------------------------
    def _start(self) -> Checkpoint:
        """From now on: just after the newest update there is."""
        newest = self.client.first(
            self.options.table,
            query="ORDERBYDESCsys_updated_on^ORDERBYDESCsys_id",
            fields=("sys_id", "sys_updated_on", "sys_mod_count"),
        )
        record = read_ticket(newest) if newest else None
        if record is not None and record.updated_on:
            return Checkpoint(record.updated_on, frozenset({seen_as(record)}))
        # An empty table: anything that appears is new. A day back from Baton's clock, so that a tool clock
        # behind Baton's cannot hide the first tickets.
        return Checkpoint(format_time(self.clock.now() - EMPTY_TABLE_MARGIN))

    def _page_after(self, point: Checkpoint) -> tuple[list[SnTicket], list[SnTicket], bool]:
        """(records not read before, all records of the page, whether more follow) after `point`."""
        offset = 0
        while True:
            # the records already read in the checkpoint's second come first: ask for that many more
            page = self.client.page(
                self.options.table,
                query=point.query(),
                fields=self._ticket_fields,
                limit=self.options.page_size + len(point.seen),
                offset=offset,
            )
            read = [read_ticket(r, self.options.requester_field) for r in page.records]
            fresh = [r for r in read if not point.read_before(r)]
            if fresh or page.next_offset is None:
                return fresh, read, page.next_offset is not None
            offset = page.next_offset  # a second holding more updates than a page: step over those read

    def _events(self, records: Sequence[SnTicket], *, audit_since: str, origin: str) -> list:
        if not records:
            return []
        rows = holder_changes(self.client, self.options.table, records, audit_since) if self.holders_from_audit else []
        by_record: dict[str, list[AuditRow]] = defaultdict(list)
        for row in rows:
            by_record[row.document].append(row)
        self._learn_names(records, rows)
        # creations come from deliveries too when holder changes do: reported once, by the business rule
        created_after = parse_time(origin) if self.holders_from_audit else None
        resolved = frozenset(self.options.resolved_states)
        slas = self._slas(records)
        events = []
        for record in records:
            steps: list[HolderStep] = holder_steps(by_record[record.sys_id], self.names.group, self._user_name)
            view = TicketView(record, self._named(record), {**self._fields(record), **slas.get(record.sys_id, {})})
            events += ticket_events(
                self.instance, view, steps, created_after=created_after, resolved_states=resolved, account=self.account
            )
            self._remember(record)
        return events

    def _slas(self, records: Sequence[SnTicket]) -> dict[str, dict[str, str]]:
        """With `read_slas`: each record's active task_sla as the `sla` fact ("" for none), in one query per page."""
        if not self.options.read_slas or not records:
            return {}
        query = f"taskIN{','.join(r.sys_id for r in records)}^active=true"
        found = slas_by_task(
            self.client.query("task_sla", query=query, fields=TASK_SLA_FIELDS, limit=self.options.page_size)
        )
        return {r.sys_id: {"sla": found[r.sys_id].to_text() if r.sys_id in found else ""} for r in records}

    def _learn_names(self, records: Sequence[SnTicket], rows: Sequence[AuditRow] = ()) -> None:
        groups = [r.group.sys_id for r in records if r.group and not r.group.display and r.group.sys_id]
        people = [ref.sys_id for r in records for ref in (r.person, r.caller) if ref and ref.sys_id]
        for row in rows:
            (groups if row.field == GROUP_FIELD else people).extend(v for v in (row.old, row.new) if v)
        self.names.learn(groups, people)

    def _user_name(self, value) -> str | None:
        person = self.names.person(value)
        return person.user_name if person else None

    def _named(self, record: SnTicket) -> tuple[str | None, str | None]:
        return self.names.group(record.group), self._user_name(record.person)

    def _fields(self, record: SnTicket) -> dict[str, str]:
        caller = self.names.person(record.caller)
        requester = (caller.email or caller.user_name) if caller else None
        return ticket_fields(
            record,
            requester=requester,
            states=self.options.states,
            base_url=self.http.base_url,
            table=self.options.table,
            requester_name=caller.name if caller else None,
        )

    def _find(self, number: str) -> SnTicket:
        found = self.client.first(self.options.table, query=f"number={quote(number)}", fields=self._ticket_fields)
        if found is None:
            raise ToolNotFound(
                f"{self.instance}:{number}: no {self.options.table} with that number "
                "(or Baton's account may not read it)"
            )
        record = read_ticket(found, self.options.requester_field)
        self._sys_ids[number] = record.sys_id
        return record

    def _remember(self, record: SnTicket) -> None:
        if record.number:
            self._sys_ids[record.number] = record.sys_id
            if record.mod_count is not None and record.updated_on:
                self._seen[record.number] = (record.mod_count, record.updated_on)

    def _refuse_over_newer_holder(self, number: str, record: SnTicket) -> None:
        """Never write over a holder change Baton has not read yet, even one that came back to `expected`.

        ServiceNow has no conditional write. The ticket's update counter says whether anything changed since
        Baton last reported it; only then is sys_audit asked whether that was a holder change.
        """
        seen = self._seen.get(number)
        if not self.holders_from_audit or seen is None or record.mod_count is None or record.mod_count <= seen[0]:
            return
        row = newer_holder_change(self.client, self.options.table, record, seen)
        if row is not None:
            raise ToolConflict(
                f"{self.instance}:{number}: {row.user or 'someone'} changed its {row.field} at "
                f"{row.at:%Y-%m-%d %H:%M:%S} UTC, after what Baton decided on; Baton decides again "
                "when it reads that change"
            )

    def _unseen(self, number: str) -> Observation:
        """Why a number did not come back from a query Baton may run: its record, asked for by sys_id, says."""
        sys_id = self._sys_ids.get(number)
        if sys_id is None:
            return Observation(None, lost="deleted")
        try:
            raw = self.client.record(self.options.table, sys_id, self._ticket_fields)
        except ToolRefused:
            return Observation(None, lost="hidden")
        except ToolNotFound:
            return Observation(None, lost="deleted")
        record = read_ticket(raw, self.options.requester_field)
        self._learn_names([record])
        return Observation(_holder(self._named(record)))

    def _journal(self, number: str, element: str, text: str) -> None:
        sys_id = self._sys_ids.get(number) or self._find(number).sys_id
        self.client.patch(self.options.table, sys_id, {element: text}, ("sys_id", "sys_mod_count"))


def _holder(pair: tuple[str | None, str | None]) -> Holder | None:
    return Holder(pair[0], pair[1]) if pair[0] else None


def _unread(point: Checkpoint, record: SnTicket) -> bool:
    """Whether the record has an update after `point` the poll has not read (in its second, or later)."""
    updated = record.updated_on or ""
    return updated > point.at or (updated == point.at and not point.read_before(record))


def _sys_id(value) -> str:
    found = ref(value)
    return found.sys_id or "" if found else ""


def _version(record: SnTicket) -> str | None:
    return None if record.mod_count is None else str(record.mod_count)
