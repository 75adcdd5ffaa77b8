"""A ServiceNow instance in memory, for RECORDING cassettes only (CI replays them and never starts it).

It answers the Table API calls Baton and the tests' agents make, in the shapes of the real captures in
tests/connectors/servicenow/reference/: every value a string, "" for empty, UTC `YYYY-MM-DD HH:MM:SS`, references
as {"link", "value"}, `{"result": ...}` envelopes, `{"error": {...}, "status": "failure"}` errors. A new
incident has the field set of the captured INC0000060 (sn_real_pdi_incident_list_INC0000060.json), emptied.

What no capture shows is built from the documentation and said so: sys_audit rows (documented columns,
plus the sys_id and sys_created_on every table has; one row per changed field, values as sys_ids, user as
user_name; inserts are not audited) and reassignment_count (+1 whenever assignment_group changes, the
definition that matches ServiceNow's own counts on the UCI log, see connectors/servicenow/history/log_reader.py).

One update is one write, split into one sys_audit row per changed field (docs.servicenow.com, "Sys Audit
and Audit Relationship Change tables", c_UnderstandingTheSysAuditTable.html: "Field name: column in the
table that the audit record is for"; Mastering ServiceNow, ch. 9: "Every entry in the Audit table
represents a change to a field"). The rows of one update share the record (documentkey), the user, the
time and `record_checkpoint`, the update count: the record's sys_mod_count after the update ("the number
of times this record ... [has] been updated", r_AuditedTableInformation.html, Helsinki docs; KB0832516
"update count"). `internal_checkpoint` is hex milliseconds since 1970 followed by a 7-digit counter
(KB0869189). Times have one-second resolution (every capture), so several updates can share a second:
`seconds_per_write` (1 by default, so that tests read apart) set to 0 makes the next writes one second's.

Refusals and absences, per ServiceNow's REST status codes ("REST API HTTP response codes", docs.servicenow.com,
as listed in IBM's TADDM ServiceNow appendix C: "403 Forbidden ... can also be caused by ACL failures, or business
rule or data policy constraints"; "404 Not found ... can be caused by an ACL constraint or if the resource does not
exist"): `refused_assignees` are users a data policy will not take as assigned_to (the whole update is refused,
403, nothing written); `hidden_groups` maps a user to the groups whose incidents a read ACL hides from them (left
out of their queries without a word, 404 on the record itself, as for a record that does not exist); a deleted
record (DELETE, 204) is gone from queries and answers 404, its sys_audit rows stay.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from baton_itsm.connectors.servicenow.values import format_time
from tests.reference import FIXTURES, reference_payloads

HOST = "https://baton-test.service-now.com"  # what cassettes show; the recorder rewrites the loopback URL to it
SHARED = reference_payloads("servicenow")
REFERENCES = {
    "assignment_group": "sys_user_group",
    "assigned_to": "sys_user",
    "caller_id": "sys_user",
    "opened_by": "sys_user",
}
SLA_REFERENCES = {"task": "task", "sla": "contract_sla"}  # task_sla's references (its `task` points at the task table)
SLA_FIXTURE = FIXTURES / "servicenow" / "task_sla_list_in_progress.json"
JOURNALS = ("comments", "work_notes")


def sys_id(kind: str, name: str) -> str:
    """A stable 32-hex sys_id, so tests can name records without asking the instance."""
    return hashlib.md5(f"{kind}:{name}".encode()).hexdigest()


class Refused(Exception):
    def __init__(self, status: int, message: str, detail: str | None):
        super().__init__(message)
        self.status, self.body = status, {"error": {"message": message, "detail": detail}, "status": "failure"}


@dataclass
class FakeInstance:
    now: datetime
    tables: dict[str, dict[str, dict]] = field(
        default_factory=lambda: {
            t: {}
            for t in (
                "incident",
                "sys_user",
                "sys_user_group",
                "sys_audit",
                "sys_journal_field",
                "task_sla",
                "contract_sla",
            )
        }
    )
    passwords: dict[str, str] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)  # tables Baton's account may not read
    refused_assignees: set[str] = field(default_factory=set)  # user_names a data policy refuses as assigned_to
    hidden_groups: dict[str, set[str]] = field(default_factory=dict)  # user_name -> group names a read ACL hides
    numbers: int = 10000
    seconds_per_write: int = 1  # 0: the next writes fall in one second, as on a busy instance
    audits: int = 0  # counter of internal_checkpoint

    # --- people and groups ---------------------------------------------------------------------
    def add_user(self, user_name: str, password: str = "pw") -> str:
        sid = sys_id("user", user_name)
        self.tables["sys_user"][sid] = {
            "sys_id": sid,
            "user_name": user_name,
            "name": user_name.title(),
            "email": f"{user_name}@example.com",
            "active": "true",
        }
        self.passwords[user_name] = password
        return sid

    def add_group(self, name: str) -> str:
        sid = sys_id("group", name)
        self.tables["sys_user_group"][sid] = {"sys_id": sid, "name": name, "active": "true"}
        return sid

    def login(self, user_name: str | None, password: str | None) -> str:
        if user_name is None or self.passwords.get(user_name) != password:
            # the same 401 for an unknown user, a wrong or expired password (fixture: current wording)
            raise Refused(401, "User is not authenticated", "Required to provide Auth information")
        return user_name

    # --- records ---------------------------------------------------------------------------------
    def _tick(self) -> str:
        self.now += timedelta(seconds=self.seconds_per_write)
        return format_time(self.now)

    def insert(self, table: str, values: dict, by: str) -> dict:
        if table != "incident":
            raise Refused(403, "Insufficient rights", "Insufficient rights to create records")
        self.numbers += 1
        at = self._tick()
        number = f"INC{self.numbers:07d}"
        record = {
            **_template(),
            "number": number,
            "sys_id": sys_id("incident", number),
            "sys_created_on": at,
            "sys_created_by": by,
            "sys_updated_on": at,
            "sys_updated_by": by,
            "sys_mod_count": "0",
            "reassignment_count": "0",
            "state": "1",
            "opened_at": at,
            "opened_by": sys_id("user", by),
            "active": "true",
            "sys_class_name": "incident",
        }
        for name, value in values.items():
            if name not in JOURNALS:
                record[name] = str(value)
        self.tables[table][record["sys_id"]] = record
        for name in JOURNALS:
            if values.get(name):
                self._journal(record, name, str(values[name]), by, at)
        return record

    def update(self, table: str, sid: str, values: dict, by: str) -> dict:
        record = self.tables.get(table, {}).get(sid)
        if record is None:
            raise Refused(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
        refused = {sys_id("user", u) for u in self.refused_assignees}
        if values.get("assigned_to") in refused:
            raise Refused(
                403, "Operation Failed", "Data Policy Exception: \n The following fields are invalid: Assigned to"
            )
        at = self._tick()
        update = int(record["sys_mod_count"]) + 1  # this update's count: every row it writes carries it
        for name, value in values.items():
            value = str(value)
            if name in JOURNALS:
                self._journal(record, name, value, by, at)
                continue
            old = record.get(name, "")
            if old == value:
                continue
            record[name] = value
            if name in ("assignment_group", "assigned_to"):
                self._audit(record, name, old, value, by, at, update)
            if name == "assignment_group":
                record["reassignment_count"] = str(int(record["reassignment_count"] or 0) + 1)
        record.update(sys_updated_on=at, sys_updated_by=by, sys_mod_count=str(update))
        return record

    def delete(self, table: str, sid: str) -> None:
        if self.tables.get(table, {}).pop(sid, None) is None:
            raise Refused(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")

    def readable(self, table: str, record: dict, user: str | None) -> bool:
        """Whether a read ACL lets `user` see the record (only incidents of hidden groups are hidden)."""
        hidden = {sys_id("group", g) for g in self.hidden_groups.get(user or "", ())}
        return table != "incident" or record.get("assignment_group") not in hidden

    def get(self, table: str, sid: str, user: str | None) -> dict:
        record = self.tables.get(table, {}).get(sid)
        if record is None or not self.readable(table, record, user):
            raise Refused(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
        return record

    # --- Task SLAs (the SLA engine's records; the test sets what the engine would have computed) --------------
    def set_sla(
        self,
        number: str,
        name: str,
        *,
        started: datetime,
        goal: timedelta,
        used: timedelta,
        paused: bool = False,
        cycle: str = "1",
    ) -> None:
        """The incident's active task_sla as ServiceNow's SLA engine last computed it (now), on a 24x7 schedule."""
        task = sys_id("incident", number)
        definition = sys_id("contract_sla", name)
        self.tables["contract_sla"][definition] = {"sys_id": definition, "name": name}
        for row in self.tables["task_sla"].values():
            if row["task"] == task:
                row["active"] = "false"  # a new cycle: the old record is done
        left, epoch = goal - used, datetime(1970, 1, 1, tzinfo=UTC)
        row = {
            **_sla_template(),
            "sys_id": sys_id("task_sla", f"{number}:{name}:{cycle}"),
            "task": task,
            "sla": definition,
            "stage": "paused" if paused else "in_progress",
            "active": "true",
            "has_breached": "true" if used > goal else "false",
            "start_time": format_time(started),
            "planned_end_time": format_time(self.now + left),
            "original_breach_time": format_time(started + goal),
            "business_duration": format_time(epoch + used),
            "duration": format_time(epoch + used),
            "business_time_left": format_time(epoch + max(left, timedelta())),
            "time_left": format_time(epoch + max(left, timedelta())),
            "business_percentage": f"{100 * used / goal:.2f}",
            "percentage": f"{100 * used / goal:.2f}",
            "pause_time": format_time(self.now) if paused else "",
            "sys_updated_on": format_time(self.now),
            "sys_created_on": format_time(started),
        }
        self.tables["task_sla"][row["sys_id"]] = row

    def _audit(self, record: dict, name: str, old: str, new: str, by: str, at: str, update: int) -> None:
        """One field of one update: same documentkey, user, time and record_checkpoint as its sibling rows."""
        sid = sys_id("audit", f"{record['sys_id']}:{name}:{update}")
        self.audits += 1
        millis = int(datetime.strptime(at, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp() * 1000)
        self.tables["sys_audit"][sid] = {
            "sys_id": sid,
            "sys_created_on": at,
            "sys_created_by": by,
            "tablename": "incident",
            "fieldname": name,
            "documentkey": record["sys_id"],
            "user": by,
            "oldvalue": old,
            "newvalue": new,
            "reason": "",
            "record_checkpoint": str(update),
            "internal_checkpoint": f"{millis:x}{self.audits:07d}",
        }

    def _journal(self, record: dict, element: str, value: str, by: str, at: str) -> None:
        sid = sys_id("journal", f"{record['sys_id']}:{element}:{at}")
        self.tables["sys_journal_field"][sid] = {
            "sys_id": sid,
            "sys_created_on": at,
            "name": "incident",
            "element_id": record["sys_id"],
            "sys_tags": "",
            "value": value,
            "sys_created_by": by,
            "element": element,
        }

    # --- reading ----------------------------------------------------------------------------------
    def select(self, table: str, query: str, user: str | None = None) -> list[dict]:
        if table not in self.tables:
            raise Refused(400, "Invalid table", f"Invalid table {table}")
        if table in self.forbidden:  # the fixture's 403 body, as when an ACL denies reading a table
            raise Refused(403, "Insufficient rights", "Insufficient rights to query records")
        conditions, order = parse_query(query)
        rows = [
            r for r in self.tables[table].values() if all(c(r) for c in conditions) and self.readable(table, r, user)
        ]
        for name, descending in reversed(order):
            rows.sort(key=lambda r, n=name: r.get(n, ""), reverse=descending)
        return rows

    def render(self, table: str, record: dict, fields: list[str] | None) -> dict:
        """A record as the Table API sends it in raw mode, references as {"link", "value"}."""
        names = fields or list(record)
        out = {}
        for name in names:
            if "." in name and table == "task_sla":  # a dot-walked field (sla.name): named by its path
                reference, column = name.split(".", 1)
                out[name] = self.tables[SLA_REFERENCES[reference]].get(record.get(reference, ""), {}).get(column, "")
                continue
            if name not in record:
                continue  # the API leaves out fields the table does not have
            value = record[name]
            ref_table = (REFERENCES if table == "incident" else SLA_REFERENCES if table == "task_sla" else {}).get(name)
            if ref_table and value:
                out[name] = {"link": f"{HOST}/api/now/table/{ref_table}/{value}", "value": value}
            elif name in JOURNALS:
                out[name] = ""  # journal fields read back empty in raw mode (see the captures)
            else:
                out[name] = value
        return out


_TERM = re.compile(r"^([a-z_][a-z0-9_.]*?)(NOT IN|IN|>=|<=|!=|=|>|<)(.*)$", re.S)


def parse_query(query: str):
    """The encoded-query subset Baton uses: `^`-joined conditions (`^^` is a literal caret) and ORDERBY."""
    conditions, order = [], []
    for term in re.split(r"(?<!\^)\^(?!\^)", query or ""):
        term = term.replace("^^", "^")
        if not term:
            continue
        if term.startswith("ORDERBYDESC"):
            order.append((term[len("ORDERBYDESC") :], True))
            continue
        if term.startswith("ORDERBY"):
            order.append((term[len("ORDERBY") :], False))
            continue
        match = _TERM.match(term)
        if not match:
            raise Refused(400, "Invalid query", f"cannot read {term!r}")
        name, op, value = match.groups()
        conditions.append(_condition(name, op, value))
    return conditions, order


def _condition(name: str, op: str, value: str):
    listed = set(value.split(","))

    def key(text: str):
        """Integer columns (sys_mod_count, record_checkpoint) compare as numbers; the rest, times too, as text."""
        return (0, int(text), "") if text.isdigit() and value.isdigit() else (1, 0, text)

    return {
        "=": lambda r: r.get(name, "") == value,
        "!=": lambda r: r.get(name, "") != value,
        ">=": lambda r: key(r.get(name, "")) >= key(value),
        "<=": lambda r: key(r.get(name, "")) <= key(value),
        ">": lambda r: key(r.get(name, "")) > key(value),
        "<": lambda r: key(r.get(name, "")) < key(value),
        "IN": lambda r: r.get(name, "") in listed,
        "NOT IN": lambda r: r.get(name, "") not in listed,
    }[op]


def _sla_template() -> dict:
    """The field set of the documented task_sla record (tests/connectors/servicenow/fixtures, its PROVENANCE),
    emptied."""
    documented = json.loads(SLA_FIXTURE.read_text())["result"][0]
    return {name: "" for name in documented if "." not in name}


def _template() -> dict:
    """The captured INC0000060's field names, every value emptied (the instance fills in what it sets)."""
    captured = json.loads((SHARED / "sn_real_pdi_incident_list_INC0000060.json").read_text())["result"][0]
    return dict.fromkeys(captured, "")
