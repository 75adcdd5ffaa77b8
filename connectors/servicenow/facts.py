"""The ticket facts Baton's rules read (core/rules/facts.py), from a ServiceNow record. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from baton_itsm.connectors.servicenow.mapping import SnTicket


def ticket_url(base_url: str, table: str, sys_id: str) -> str:
    """The record's form in the classic UI: works on every release, with or without the Next Experience."""
    return f"{base_url.rstrip('/')}/{table}.do?sys_id={sys_id}"


def ticket_fields(
    record: SnTicket,
    *,
    requester: str | None,
    states: Mapping[str, str],
    base_url: str,
    table: str,
    requester_name: str | None = None,
) -> dict[str, str]:
    """`status` is a word the rules know ("resolved", "on hold"); `state` keeps ServiceNow's code.

    `reassignment_count` is the platform's own count of reassignments, reported beside Baton's bounce count.
    `resolution_note` is the record's close notes: what the resolver wrote solved it (the report-back quotes it).
    """
    facts = {
        "number": record.number,
        "sys_id": record.sys_id,
        "subject": record.subject,
        "requester": requester,
        "requester_name": requester_name,
        "resolution_note": record.close_notes,
        "priority": record.priority,
        "category": record.category,
        "state": record.state,
        "status": states.get(record.state, record.state) if record.state else None,
        "url": ticket_url(base_url, table, record.sys_id),
        "reassignment_count": None if record.reassignment_count is None else str(record.reassignment_count),
        "sys_mod_count": None if record.mod_count is None else str(record.mod_count),
        "sys_updated_on": record.updated_on,
    }
    return {name: value for name, value in facts.items() if value is not None}
