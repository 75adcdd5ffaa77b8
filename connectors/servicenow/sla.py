"""A ticket's task_sla records as Baton's Sla. Pure: no I/O.

Field meanings from ServiceNow's "Task SLA table" page: `business_duration` is the business elapsed time (within
the SLA's schedule, minus pauses), `business_time_left` the business time to the breach, `business_percentage`
their share, `planned_end_time` the breach time, `stage` in_progress | paused | achieved | breached | cancelled |
completed, `has_breached` "true" once missed. Durations come as date-times from the epoch
("1970-01-01 02:30:00" is 2 h 30; past a day "1970-01-02 ..."), like the incident's own `business_duration`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.servicenow.values import parse_time, ref, text
from baton_itsm.core.domain.sla import Sla, first_due

TASK_SLA_FIELDS = (
    "sys_id",
    "task",
    "sla",
    "sla.name",
    "stage",
    "has_breached",
    "start_time",
    "planned_end_time",
    "business_duration",
    "business_time_left",
    "business_percentage",
    "sys_updated_on",
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
log = logging.getLogger(__name__)


def duration_minutes(value) -> float | None:
    """A ServiceNow duration ("1970-01-01 02:30:00") in minutes; None when empty."""
    at = parse_time(value)
    return None if at is None else (at - EPOCH).total_seconds() / 60


def task_of(record: Mapping) -> str | None:
    task = ref(record.get("task"))
    return task.sys_id if task else None


def read_task_sla(record: Mapping) -> Sla:
    """One task_sla record, measured when ServiceNow last calculated it (`sys_updated_on`)."""
    read_at = parse_time(record.get("sys_updated_on"))
    elapsed = duration_minutes(record.get("business_duration"))
    left = duration_minutes(record.get("business_time_left"))
    percentage = text(record.get("business_percentage"))
    if read_at is None or elapsed is None:
        raise MalformedPayload(f"a task_sla without sys_updated_on or business_duration: {str(record)[:200]}")
    if left is not None and elapsed + left > 0:
        goal = elapsed + left
    elif percentage and float(percentage) > 0:
        goal = elapsed * 100 / float(percentage)
    else:
        raise MalformedPayload(f"a task_sla whose goal cannot be told: {str(record)[:200]}")
    definition = ref(record.get("sla"))
    name = text(record.get("sla.name")) or (definition.display if definition else None) or "SLA"
    stage = (text(record.get("stage")) or "").lower()
    return Sla(
        name=name,
        cycle=text(record.get("sys_id")) or "",
        read_at=read_at,
        elapsed_minutes=elapsed,
        goal_minutes=goal,
        breach_at=parse_time(record.get("planned_end_time")),
        paused=stage == "paused",
        breached=text(record.get("has_breached")) == "true" or stage == "breached",
    )


def slas_by_task(records: Iterable[Mapping]) -> dict[str, Sla]:
    """The SLA each task answers to: the running one that breaches first; else a paused or breached one."""
    found: dict[str, list[Sla]] = {}
    for record in records:
        task = task_of(record)
        if not task:
            continue
        try:
            found.setdefault(task, []).append(read_task_sla(record))
        except MalformedPayload as error:  # one odd task_sla (not yet computed) must not stop the poll of a page
            log.warning("task %s: %s; that SLA is left out", task, error)
    # every list holds at least one SLA, so each task has a first one
    return {task: due for task, slas in found.items() if (due := first_due(slas)) is not None}
