"""What `connectors.INSTANCE.options` may say for a Jira instance, validated when the connector is built.

Jira has one assignee and no assignment group, so the group side of a holder is a field chosen per project:
a group-picker custom field, the Team field, the components, or (the default) the project itself.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from baton_itsm.core.errors import ConfigError

GroupKind = Literal["project", "component", "group", "team"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deployment(StrEnum):
    CLOUD = "cloud"  # accountIds, /search/jql with nextPageToken
    DATACENTER = "datacenter"  # user names, /search with startAt/total


class GroupField(_Strict):
    """Where an issue's group lives. `field` is `project`, `components` or a custom field id."""

    field: str = "project"  # project, components or a custom field id
    kind: GroupKind | None = None  # a custom field is a group picker unless it says `team`
    label: str | None = None  # the field's name, which Data Center's changelog gives instead of a field id
    team_ids: dict[str, str] = {}  # Team field: a team's name -> its id (an edit sends the id)

    @property
    def resolved_kind(self) -> GroupKind:
        if self.kind:
            return self.kind
        kinds: dict[str, GroupKind] = {"project": "project", "components": "component"}
        return kinds.get(self.field, "group")

    def names(self) -> frozenset[str]:
        """How a changelog item of this field may be named (fieldId on Cloud, the field's label on DC)."""
        by_kind = {"project": {"project"}, "component": {"components", "component"}}.get(self.resolved_kind, set())
        return frozenset({self.field.lower(), *by_kind, *([self.label.lower()] if self.label else [])})


class JiraOptions(_Strict):
    deployment: Deployment = Deployment.CLOUD  # cloud or datacenter: how people are named and searches paged
    projects: list[str] = []  # the project keys Baton watches; none: every project Baton's account sees
    group_field: dict[str, GroupField] = {}  # project key (or "*" for the others) -> where its group lives
    group_names: dict[str, str] = {}  # a group as Jira names it -> the Baton group (default: the same name)
    users: dict[str, str] = {}  # a Baton person -> their Jira accountId (Cloud) or user name (Data Center)
    category_field: str = "issuetype"  # e.g. the JSM "Customer Request Type" field, customfield_10010
    sla_fields: list[str] = []  # JSM SLA custom fields read from each issue (no extra request): the ETA, rules.sla
    timezone: str = "UTC"  # the Jira profile time zone of Baton's account: JQL times are read in it
    page_size: int = Field(50, gt=0, le=100)  # issues a search page
    max_pages: int = Field(10, gt=0)  # per read; the poller reads again when more is waiting
    timeout_seconds: float = Field(30, gt=0)  # of one call to Jira
    # A delivery whose own `timestamp` is further from now is refused: Jira Cloud retries for up to about 30 min.
    webhook_tolerance_seconds: float = Field(3600, gt=0)

    @field_validator("group_field", mode="before")
    @classmethod
    def _shorthand(cls, value):
        """`HELP: customfield_10050` is short for `HELP: {field: customfield_10050}`."""
        if isinstance(value, dict):
            return {k: {"field": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not an IANA time zone: {value!r}") from None
        return value

    def group_for(self, project: str | None) -> GroupField:
        return self.group_field.get(project or "") or self.group_field.get("*") or GroupField()

    @property
    def cloud(self) -> bool:
        return self.deployment is Deployment.CLOUD


def parse_options(raw: dict) -> JiraOptions:
    try:
        return JiraOptions.model_validate(raw or {})
    except ValidationError as error:
        raise ConfigError([f"options.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]) from None
