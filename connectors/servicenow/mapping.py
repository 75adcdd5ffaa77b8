"""Table API records as Baton reads them: tickets (any task table), sys_audit rows, journal entries. Pure.

A record is the object inside `{"result": ...}`. Reference fields stay sys_ids here (with a display value
when the answer had one); naming groups and people is names.py's job, because it needs the instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.servicenow.values import Ref, count, parse_raw_time, parse_time, ref, text

GROUP_FIELD, PERSON_FIELD = "assignment_group", "assigned_to"
HOLDER_FIELDS = (GROUP_FIELD, PERSON_FIELD)
# What Baton asks for when it reads tickets (sysparm_fields): the holder, the concurrency facts, and the
# facts the rules read. Asking for fewer fields keeps pages small on tables with hundreds of columns.
TICKET_FIELDS = (
    "sys_id",
    "number",
    GROUP_FIELD,
    PERSON_FIELD,
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
    "sys_created_on",
    "sys_created_by",
    "reassignment_count",
    "state",
    "priority",
    "category",
    "short_description",
    "close_notes",
)  # and the table's requester field (options.requester_field)
# record_checkpoint is the update count: the record's sys_mod_count after the update that wrote the row. The rows
# of one update (one per changed field) share it, so it groups them for certain where the second they share
# cannot (two updates in one second). Documented as "the number of times this record ... [has] been updated"
# beside "the record's internal checkpoint ID" (docs.servicenow.com, helsinki-platform-administration,
# r_AuditedTableInformation.html; KB0832516 calls it "update count", 0 for an insert's rows). No captured
# sys_audit row shows the column's name: it follows the platform's dictionary name, unverified by a capture.
AUDIT_FIELDS = (
    "sys_id",
    "sys_created_on",
    "tablename",
    "fieldname",
    "documentkey",
    "user",
    "oldvalue",
    "newvalue",
    "record_checkpoint",
)


@dataclass(frozen=True)
class SnTicket:
    sys_id: str
    number: str | None
    group: Ref | None
    person: Ref | None
    updated_on: str | None  # raw text: in display modes it is the API user's local time, not UTC
    updated_by: str | None  # a user_name
    mod_count: int | None  # sys_mod_count: the record's update counter
    created_on: str | None = None
    created_by: str | None = None
    reassignment_count: int | None = None  # the platform's own count ("" on tables that do not keep one)
    state: str | None = None
    priority: str | None = None
    category: str | None = None
    subject: str | None = None
    caller: Ref | None = None
    close_notes: str | None = None  # what the resolver wrote as the resolution (the report-back quotes it)

    @property
    def updated_at(self) -> datetime | None:
        return parse_time(self.updated_on)

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self.created_on)


def _required(record: Any, table: str, *columns: str) -> dict[str, str]:
    """The text of each of `columns`, if `record` is an object with a value in each; else the answer is not what
    Baton reads."""
    found = {c: text(record.get(c)) for c in columns} if isinstance(record, Mapping) else {}
    values = {c: value for c, value in found.items() if value}
    if len(values) < len(columns):
        raise MalformedPayload(f"a {table} record without {', '.join(columns)}: {str(record)[:200]}")
    return values


def read_ticket(record: Any, requester_field: str = "caller_id") -> SnTicket:
    """A task record in any of the three reference forms; the requester is in `requester_field`."""
    required = _required(record, "task", "sys_id")
    return SnTicket(
        sys_id=required["sys_id"],
        number=text(record.get("number")),
        group=ref(record.get(GROUP_FIELD)),
        person=ref(record.get(PERSON_FIELD)),
        updated_on=text(record.get("sys_updated_on")),
        updated_by=text(record.get("sys_updated_by")),
        mod_count=count(record.get("sys_mod_count")),
        created_on=text(record.get("sys_created_on")),
        created_by=text(record.get("sys_created_by")),
        reassignment_count=count(record.get("reassignment_count")),
        state=text(record.get("state")),
        priority=text(record.get("priority")),
        category=text(record.get("category")),
        subject=text(record.get("short_description")),
        caller=ref(record.get(requester_field)),
        close_notes=text(record.get("close_notes")),
    )


@dataclass(frozen=True)
class AuditRow:
    """One sys_audit row: one field of one record changed by one user. Reference values are sys_ids."""

    sys_id: str
    document: str  # documentkey: the changed record's sys_id
    field: str
    user: str | None  # the user_name of whoever made the change ("system" for the platform's own jobs)
    old: str | None
    new: str | None
    at: datetime
    update: int | None = None  # record_checkpoint: the record's sys_mod_count after this row's update


def read_audit(record: Any) -> AuditRow:
    """A sys_audit row. No captured JSON exists: the shape follows the documented columns (see the test cassettes)."""
    required = _required(record, "sys_audit", "sys_id", "documentkey", "fieldname", "sys_created_on")
    # sys_audit stores values as text, so a reference is a plain sys_id even when links are not excluded
    return AuditRow(
        required["sys_id"],
        required["documentkey"],
        required["fieldname"],
        text(record.get("user")),
        text(record.get("oldvalue")),
        text(record.get("newvalue")),
        parse_raw_time(required["sys_created_on"]),
        count(record.get("record_checkpoint")),
    )


@dataclass(frozen=True)
class JournalEntry:
    """A sys_journal_field row: one comment (requester-visible) or work note (internal) on a record."""

    sys_id: str
    document: str  # element_id
    element: str  # "comments" | "work_notes"
    value: str
    by: str | None  # sys_created_by: a user_name
    at: datetime

    @property
    def internal(self) -> bool:
        return self.element == "work_notes"


def read_journal(record: Any) -> JournalEntry:
    required = _required(record, "sys_journal_field", "sys_id", "element_id", "element", "sys_created_on")
    return JournalEntry(
        required["sys_id"],
        required["element_id"],
        required["element"],
        text(record.get("value")) or "",
        text(record.get("sys_created_by")),
        parse_raw_time(required["sys_created_on"]),
    )


def result_of(body: Any) -> Any:
    """The `result` of a Table API answer: a list for a query, an object for one record."""
    if not isinstance(body, Mapping) or "result" not in body:
        raise MalformedPayload(f'expected a Table API answer {{"result": ...}}, got {str(body)[:200]}')
    return body["result"]
