"""What `connectors.INSTANCE.options` may say for a ServiceNow instance (validated; every key has a default)."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, ValidationError

from baton_itsm.core.errors import ConfigError
from baton_itsm.core.settings.base import Name, Strict

# incident's out-of-box `state` choices. Baton's rules read status words ("resolved", "on hold"), not codes.
INCIDENT_STATES = {"1": "new", "2": "in progress", "3": "on hold", "6": "resolved", "7": "closed", "8": "canceled"}


class ServiceNowOptions(Strict):
    table: Name = "incident"  # incident, sc_req_item, sc_task, problem...: any task table
    requester_field: Name = "caller_id"  # the requester's reference field: sc_req_item's is requested_for
    api_path: str = "/api/now/table"  # or /api/now/v2/table; the answers have the same shape
    page_size: int = Field(100, gt=0, le=10000)  # sysparm_limit; ServiceNow caps a page at 10,000
    pages_per_read: int = Field(10, gt=0)  # then `more` says there is a backlog; the poller reads on
    states: dict[str, str] = INCIDENT_STATES  # state code -> status word (for sc_req_item and others: set it)
    resolved_states: list[str] = ["6"]  # codes that make a RESOLVED event (report-back); closed follows resolved
    webhook_tolerance_seconds: float = Field(300, gt=0)  # a delivery signed longer ago than this is refused
    timeout_seconds: float = Field(30, gt=0)  # of one call to the instance
    read_slas: bool = False  # read each polled ticket's active task_sla (one query per page) for rules.sla and the ETA


def parse_options(options: Mapping) -> ServiceNowOptions:
    try:
        return ServiceNowOptions.model_validate(dict(options))
    except ValidationError as error:
        raise ConfigError([f"options.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]) from None
