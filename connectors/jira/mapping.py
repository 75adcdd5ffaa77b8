"""Reading Jira's JSON: times, field values, an issue's holder and facts, its SLA. Pure: no I/O.

Shapes follow the recorded payloads in tests/connectors/jira/reference: platform times look like
`2022-07-11T06:25:48.416-0400`, webhook `timestamp`s are epoch milliseconds, and Service Management
dates are objects (`{"iso8601", "jira", "friendly", "epochMillis"}`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.common import parse_time as parse_tool_time
from baton_itsm.connectors.jira.options import GroupField, JiraOptions
from baton_itsm.connectors.jira.people import People
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.sla import Sla, first_due

log = logging.getLogger(__name__)


def parse_time(value: Any) -> datetime:
    """A Jira time as aware UTC: ISO text with a `-0400` offset, epoch milliseconds, or a JSM date object."""
    if isinstance(value, Mapping):  # JSM: epochMillis is exact; `friendly` is localised and never read
        value = value.get("epochMillis", value.get("iso8601"))
    return parse_tool_time(value, what="a Jira time", epoch_ms=True)


def display(value: Any) -> str | None:
    """A field value as people read it: an option's or object's name, a list's first value, or the text."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return display(value[0])
    if isinstance(value, Mapping):
        if isinstance(value.get("requestType"), Mapping):  # the JSM "Customer Request Type" field
            return display(value["requestType"])
        for key in ("name", "value", "displayName", "key"):
            if value.get(key):
                return str(value[key])
        return None
    return str(value)


def display_name(user: Any) -> str | None:
    """A user's full name as Jira shows it (`displayName`), for greeting them; None when hidden or absent."""
    return str(user["displayName"]) if isinstance(user, Mapping) and user.get("displayName") else None


def issue_of(issue: Any) -> Mapping:
    """`issue` if it is an issue with an id and fields; else MalformedPayload."""
    if not isinstance(issue, Mapping) or not isinstance(issue.get("fields"), Mapping) or not issue.get("id"):
        raise MalformedPayload(f"an issue without an id or fields: {str(issue)[:200]}")
    return issue


def fields_of(issue: Any) -> dict:
    return dict(issue_of(issue)["fields"])


@dataclass(frozen=True)
class ToolHolder:
    """An issue's holder in Jira's own terms: the group field's value and the assignee's canonical id."""

    group: str | None
    person: str | None


@dataclass
class Reader:
    """Reads issues of one Jira instance into Baton's words, per the instance's options."""

    options: JiraOptions
    people: People
    base_url: str
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # when an SLA's elapsed time was read

    def group_spec(self, fields: Mapping) -> GroupField:
        return self.options.group_for((fields.get("project") or {}).get("key"))

    def tool_holder(self, fields: Mapping) -> ToolHolder:
        spec = self.group_spec(fields)
        kind = spec.resolved_kind
        if kind == "project":
            group = (fields.get("project") or {}).get("key")
        else:
            group = display(fields.get("components" if kind == "component" else spec.field))
        return ToolHolder(None if group in (None, "") else str(group), self.people.canonical_of(fields.get("assignee")))

    def holder(self, state: ToolHolder) -> Holder | None:
        """Baton's holder; an issue whose group field is empty has none (Baton sees it as unassigned)."""
        if not state.group:
            return None
        return Holder(self.options.group_names.get(state.group, state.group), self.people.baton(state.person))

    def facts(self, issue: Mapping) -> dict[str, str]:
        """The ticket facts the rules and notices read (core/rules/facts.py), plus the key and the SLA."""
        fields = fields_of(issue)
        status = fields.get("status") or {}
        found = {
            "key": issue.get("key"),
            "subject": fields.get("summary"),
            "priority": display(fields.get("priority")),
            "status": display(status),
            "status_category": (status.get("statusCategory") or {}).get("key") if isinstance(status, Mapping) else None,
            "category": display(fields.get(self.options.category_field)),
            "resolution": display(fields.get("resolution")),
            "requester": self.people.requester(fields.get("reporter")),
            "requester_name": display_name(fields.get("reporter")),
            "url": f"{self.base_url}/browse/{issue['key']}" if issue.get("key") else None,
        }
        slas = [fields.get(name) for name in self.options.sla_fields]
        due = sla_due(slas)
        if due is not None:
            found["sla_due"] = due.isoformat()
        facts = {name: str(value) for name, value in found.items() if value}
        if self.options.sla_fields:  # the issue carries its SLAs: say which one it answers to, or that none runs
            facts["sla"] = sla_text(slas, self.now())
        return facts


def sla_due(slas: Iterable[Any]) -> datetime | None:
    """When the earliest running SLA falls due: ongoing, not paused, not yet breached.

    Completed cycles promise nothing more, a paused clock promises no time, and a breached one no longer
    gives the requester an honest answer; with none left the notices fall back to Baton's own targets.
    """
    due = []
    for sla in slas:
        cycle = sla.get("ongoingCycle") if isinstance(sla, Mapping) else None
        if (
            isinstance(cycle, Mapping)
            and cycle.get("breachTime")
            and not cycle.get("paused")
            and not cycle.get("breached")
        ):
            due.append(parse_time(cycle["breachTime"]))
    return min(due, default=None)


# SLA objects as Baton's Sla: `elapsedTime` is measured when Jira answers, so `read_at` is then.
def _millis(value: Any) -> float | None:
    millis = value.get("millis") if isinstance(value, Mapping) else None
    return float(millis) if isinstance(millis, int | float) and not isinstance(millis, bool) else None


def read_sla(sla: Mapping, read_at: datetime) -> Sla | None:
    """An SLA's ongoing cycle; None when it has none (no cycle yet, or only completed ones: nothing to chase)."""
    cycle = sla.get("ongoingCycle")
    if not isinstance(cycle, Mapping):
        return None
    goal, elapsed = _millis(cycle.get("goalDuration")), _millis(cycle.get("elapsedTime"))
    if not goal or elapsed is None:
        raise MalformedPayload(f"an SLA cycle without goalDuration or elapsedTime: {str(cycle)[:200]}")
    started = cycle.get("startTime")
    start_key = started.get("epochMillis") if isinstance(started, Mapping) else started
    return Sla(
        name=str(sla.get("name") or "SLA"),
        cycle=f"{sla.get('id')}:{start_key}",
        read_at=read_at,
        elapsed_minutes=elapsed / 60000,
        goal_minutes=goal / 60000,
        breach_at=parse_time(cycle["breachTime"]) if cycle.get("breachTime") else None,
        paused=bool(cycle.get("paused")),
        breached=bool(cycle.get("breached")),
    )


def sla_text(slas: Iterable[Any], read_at: datetime) -> str:
    """The `sla` fact: the SLA the issue answers to, as text; "" when none has an ongoing cycle."""
    found = []
    for sla in slas:
        try:
            read = read_sla(sla, read_at) if isinstance(sla, Mapping) else None
        except MalformedPayload as error:  # one odd SLA must not stop the poll: said, and left out
            log.warning("%s; that SLA is left out", error)
            continue
        if read is not None:
            found.append(read)
    chosen = first_due(found)
    return chosen.to_text() if chosen else ""
