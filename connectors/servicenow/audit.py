"""sys_audit: who changed a ticket's group or assignee, read for a poll page or before a write."""

from __future__ import annotations

from collections.abc import Sequence

from baton_itsm.connectors.servicenow.client import TableClient
from baton_itsm.connectors.servicenow.mapping import AUDIT_FIELDS, HOLDER_FIELDS, AuditRow, SnTicket, read_audit

AUDIT_PAGE = 1000  # sys_audit rows per page: small records, and one page covers a ticket page's changes


def holder_changes(client: TableClient, table: str, records: Sequence[SnTicket], since: str) -> list[AuditRow]:
    """Holder changes of a whole page of tickets in one query (paged only past AUDIT_PAGE rows)."""
    query = (
        f"tablename={table}^documentkeyIN{','.join(r.sys_id for r in records)}"
        f"^fieldnameIN{','.join(HOLDER_FIELDS)}^sys_created_on>={since}^ORDERBYsys_created_on"
    )
    return [read_audit(r) for r in client.query("sys_audit", query=query, fields=AUDIT_FIELDS, limit=AUDIT_PAGE)]


def newer_holder_change(client: TableClient, table: str, record: SnTicket, seen: tuple[int, str]) -> AuditRow | None:
    """A holder change of `record` after the update Baton read, `seen` (its sys_mod_count and sys_updated_on):
    one of the updates after it (record_checkpoint), which may share its second; None if there is none."""
    count, updated_on = seen
    query = (
        f"tablename={table}^documentkey={record.sys_id}^fieldnameIN{','.join(HOLDER_FIELDS)}"
        f"^sys_created_on>={updated_on}^record_checkpoint>{count}"
    )
    newer = client.first("sys_audit", query=query, fields=AUDIT_FIELDS)
    return read_audit(newer) if newer is not None else None
